package io.pulsemq.broker.amqp;

import java.util.function.Consumer;

/** Where a {@link DeliveryQueue} reads its entries and records its progress. Called on the queue executor only. */
interface QueueSource {

    /**
     * Passes up to {@code limit} entries with sequence numbers above {@code afterSeq} to {@code sink}, in order.
     *
     * @return the highest sequence number examined (entries a source skips, such as other groups' events,
     *         count as examined), or {@code afterSeq} when there was nothing
     */
    long read(long afterSeq, int limit, Consumer<QueueEntry> sink);

    /** Whether entries above {@code seq} may exist. */
    boolean hasMoreAfter(long seq);

    /** The entry {@code seq} was acknowledged (and may be deleted). */
    void acknowledged(long seq);

    /** Every entry up to and including {@code seq} is acknowledged: the resume point after a restart. */
    void commit(long seq);
}
