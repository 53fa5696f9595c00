package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;

/**
 * One deliverable entry of a {@link DeliveryQueue}.
 *
 * @param seq        position in its source, strictly increasing (a status log offset, a topic queue sequence)
 * @param orderKey   entries with the same key are delivered one at a time, in {@code seq} order (the client ID)
 * @param routingKey the routing key of the {@code basic.deliver} (the MQTT topic, or the queue name)
 * @param properties the AMQP properties delivered with it
 * @param body       the body delivered
 */
record QueueEntry(long seq, String orderKey, String routingKey, AMQP.BasicProperties properties, byte[] body) {
}
