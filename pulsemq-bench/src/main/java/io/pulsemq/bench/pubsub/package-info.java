/**
 * Publish/subscribe load for {@code ./pulsemq bench}: {@link io.pulsemq.bench.pubsub.PubSubLoad} drives
 * publishers and subscribers on raw Netty; {@link io.pulsemq.bench.pubsub.DeliveryWindow} (the closed loop) and
 * {@link io.pulsemq.bench.pubsub.SequenceTracker} (loss and duplicates by sequence number) are its pure parts.
 */
package io.pulsemq.bench.pubsub;
