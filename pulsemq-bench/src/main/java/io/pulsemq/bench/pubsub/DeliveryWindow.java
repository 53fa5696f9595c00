package io.pulsemq.bench.pubsub;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The closed loop of one publisher: it may have at most {@code limit} messages sent but not yet received by every
 * subscriber, so a run measures throughput rather than the growth of a queue somewhere.
 *
 * <p>"Received" is judged by the highest sequence number each subscriber has seen from this publisher, not by a
 * count: a QoS 0 message the broker dropped never arrives, and counting would leak window slots until the
 * publisher stalls. Threading: {@link #sent} and {@link #canSend} on the publisher's event loop,
 * {@link #received} from any subscriber's.
 */
public final class DeliveryWindow {

    private final int limit;
    private final AtomicLongArray highest;
    /** Sequence numbers start at 0; the next one to send. Written by the publisher's thread only. */
    private volatile long next;

    /**
     * @param limit       messages in flight at most
     * @param subscribers subscribers every message goes to
     */
    public DeliveryWindow(int limit, int subscribers) {
        if (limit < 1 || subscribers < 1) {
            throw new IllegalArgumentException("limit and subscribers must be positive");
        }
        this.limit = limit;
        this.highest = new AtomicLongArray(subscribers);
        for (int i = 0; i < subscribers; i++) {
            highest.set(i, -1);
        }
    }

    /** Whether one more message may be sent now. */
    public boolean canSend() {
        return outstanding() < limit;
    }

    /** Takes the next sequence number; call only when {@link #canSend()}. */
    public long sent() {
        return next++;
    }

    /** Messages sent so far (the next sequence number). */
    public long sentCount() {
        return next;
    }

    /** Subscriber {@code subscriber} received sequence number {@code seq} of this publisher. */
    public void received(int subscriber, long seq) {
        long h;
        do {
            h = highest.get(subscriber);
        } while (seq > h && !highest.compareAndSet(subscriber, h, seq));
    }

    /** Messages sent that the slowest subscriber has not yet seen (nor anything after them). */
    public long outstanding() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < highest.length(); i++) {
            min = Math.min(min, highest.get(i));
        }
        return next - 1 - min;
    }

    /** Gives up on everything outstanding (it is lost): the next message may be sent. */
    public void forgetOutstanding() {
        long last = next - 1;
        for (int i = 0; i < highest.length(); i++) {
            received(i, last);
        }
    }
}
