package io.pulsemq.broker.amqp;

/** The receiving end of a {@link DeliveryQueue}: one AMQP consumer ({@code basic.consume}) on one channel. */
interface QueueConsumer {

    /**
     * Sends an entry to the client. Called on the queue executor; must not block. The consumer answers later
     * with {@link DeliveryQueue#ack}, {@link DeliveryQueue#reject} or, when its channel closed first,
     * {@link DeliveryQueue#release}.
     */
    void deliver(DeliveryQueue queue, QueueEntry entry, boolean redelivered);
}
