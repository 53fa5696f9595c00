package io.pulsemq.broker.store;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The acknowledgements of one connection, sent in the order of the packets they answer [MQTT-4.6.0-2],
 * [MQTT-4.6.0-3], each only once the store writes its packet caused are applied ({@link WriteBarrier}). An
 * acknowledgement whose packet wrote nothing goes out at once when none is waiting, so a connection without
 * persistent state never waits.
 *
 * <p>Use: take a {@link #mark()} before handling a packet, then {@link #send} its acknowledgement with that mark.
 *
 * <p>Confined to the connection's event loop (the {@code loop} given); acknowledgements run there. Those that
 * became ready on another thread (the store's writer, a cluster acknowledgement) go out in one loop task and one
 * flush for all that are ready.
 */
public final class OrderedAcks {

    private final WriteBarrier barrier;
    private final Executor loop;
    private final Runnable flush;
    private final Runnable drained;
    private final ArrayDeque<Ack> waiting = new ArrayDeque<>();
    /** Whether {@link #sendReadyTask} is queued on the loop and has not started yet. */
    private final AtomicBoolean sendScheduled = new AtomicBoolean();
    private final Runnable sendReadyTask = this::sendReadyOnLoop;
    private boolean closed;

    /**
     * @param barrier the store's writes
     * @param loop    the connection's event loop
     * @param flush   flushes the connection's output (acknowledgements only write)
     * @param drained run on the loop whenever the last waiting acknowledgement has gone out
     */
    public OrderedAcks(WriteBarrier barrier, Executor loop, Runnable flush, Runnable drained) {
        this.barrier = barrier;
        this.loop = loop;
        this.flush = flush;
        this.drained = drained;
    }

    /** Where the writes of this thread stand: take it before handling the packet to acknowledge. */
    public long mark() {
        return barrier.handedOver();
    }

    /**
     * Sends an acknowledgement: {@code ack} writes it (without flushing) once every earlier acknowledgement has gone
     * out and the writes handed over since {@code mark} are applied. Dropped once the connection {@link #close}d.
     */
    public void send(long mark, Runnable ack) {
        boolean wrote = barrier.handedOver() != mark;
        if (!wrote && waiting.isEmpty()) {
            if (!closed) {
                ack.run();
                flush.run();
            }
            return;
        }
        Ack a = new Ack(ack);
        waiting.add(a);
        if (!wrote) {
            a.ready = true; // nothing to wait for but the acknowledgements ahead of it
            return;
        }
        barrier.afterWrites(() -> {
            a.ready = true;
            if (!sendScheduled.get() && sendScheduled.compareAndSet(false, true)) {
                try {
                    loop.execute(sendReadyTask);
                } catch (RejectedExecutionException stopping) {
                    // the loop is shutting down: the connection is gone with it
                }
            }
        });
    }

    /**
     * Runs on the loop for every acknowledgement that became ready elsewhere since it last ran: one task and one flush
     * for all of them (a store batch or a cluster acknowledgement often readies many at once). The flag is cleared
     * before the flags are read, so one readied after that schedules the task again.
     */
    private void sendReadyOnLoop() {
        sendScheduled.set(false);
        sendReady();
    }

    /**
     * Whether an acknowledgement taken at {@code mark} would go out at once (its packet wrote nothing and none
     * waits): the caller may then write it itself, without handing {@link #send} a task.
     */
    public boolean sendsAtOnce(long mark) {
        return waiting.isEmpty() && barrier.handedOver() == mark;
    }

    /** How many acknowledgements wait. */
    public int waiting() {
        return waiting.size();
    }

    /** The connection ended: nothing more is sent. */
    public void close() {
        closed = true;
        waiting.clear();
    }

    private void sendReady() {
        boolean sent = false;
        while (!waiting.isEmpty() && waiting.peek().ready) {
            Runnable ack = waiting.poll().ack;
            if (!closed) {
                ack.run();
                sent = true;
            }
        }
        if (sent) {
            flush.run();
        }
        if (waiting.isEmpty() && !closed) {
            drained.run();
        }
    }

    private static final class Ack {
        final Runnable ack;
        /** Set on the loop, or by the thread that applied the writes (then read on the loop). */
        volatile boolean ready;

        Ack(Runnable ack) {
            this.ack = ack;
        }
    }
}
