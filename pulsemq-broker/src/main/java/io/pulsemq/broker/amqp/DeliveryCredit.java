package io.pulsemq.broker.amqp;

import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The deliveries one AMQP connection may have unacknowledged over all its consumers and queues
 * ({@code amqp.maxUnackedPerConnection}). Each consumer's own prefetch still applies; this bounds their sum. A queue
 * that has an entry ready for one of the connection's consumers but finds the connection's credit used up waits
 * here, and is pumped again once a delivery is settled.
 *
 * <p>Not thread-safe: confined to the queue executor, where every {@link DeliveryQueue} runs.
 */
final class DeliveryCredit {

    /** No connection-wide limit; shared, so it keeps no state. */
    static final DeliveryCredit UNLIMITED = new DeliveryCredit(0, Runnable::run, new LimitHits());

    private final int max;
    private final Executor queueExecutor;
    private final LimitHits hits;
    private final Set<DeliveryQueue> waiting = new LinkedHashSet<>();
    private int outstanding;

    /**
     * @param max           most unacknowledged deliveries; 0: no limit
     * @param queueExecutor the queue executor, where waiting queues are pumped again
     */
    DeliveryCredit(int max, Executor queueExecutor, LimitHits hits) {
        this.max = max;
        this.queueExecutor = queueExecutor;
        this.hits = hits;
    }

    /** Whether one more delivery may go out. */
    boolean available() {
        return max == 0 || outstanding < max;
    }

    /** A delivery went out. */
    void taken() {
        if (max == 0) {
            return;
        }
        if (++outstanding == max) {
            hits.hit(Limit.AMQP_MAX_UNACKED_PER_CONNECTION);
        }
    }

    /** A delivery was settled (acknowledged, rejected or released): a waiting queue may go on. */
    void returned() {
        if (max == 0) {
            return;
        }
        outstanding--;
        if (!waiting.isEmpty()) {
            List<DeliveryQueue> resume = new ArrayList<>(waiting);
            waiting.clear();
            try {
                // later, not inside the settling queue's own bookkeeping
                queueExecutor.execute(() -> resume.forEach(DeliveryQueue::resume));
            } catch (RejectedExecutionException stopping) {
                // the broker is stopping: queues are not used any more
            }
        }
    }

    /** {@code queue} has an entry for one of this connection's consumers but no credit: pump it when there is. */
    void waitFor(DeliveryQueue queue) {
        if (max > 0) {
            waiting.add(queue);
        }
    }

    /** Deliveries out now. */
    int outstanding() {
        return outstanding;
    }
}
