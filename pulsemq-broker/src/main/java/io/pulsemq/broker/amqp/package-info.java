/**
 * The server SDK endpoint: AMQP 0-9-1 on Netty, wire-compatible with the ApsaraMQ for MQTT cloud SDK
 * ({@code com.alibaba.mqtt:server-sdk}) and usable by any RabbitMQ client.
 *
 * <p>Owns: the frame decoder ({@link io.pulsemq.broker.amqp.AmqpFrameDecoder}), the per-connection and
 * per-channel protocol state ({@link io.pulsemq.broker.amqp.AmqpConnection},
 * {@link io.pulsemq.broker.amqp.AmqpChannel}, both confined to their event loop), the SDK login decision
 * ({@link io.pulsemq.broker.amqp.AmqpLogin}), what a logged-in key may read and send
 * ({@link io.pulsemq.broker.amqp.KeyScope}), and the queues consumers read: status groups with a durable
 * cursor per (instance, group) over the status log ({@link io.pulsemq.broker.amqp.StatusQueues}) and bounded
 * durable queues of device messages per (access key, parent topic) ({@link io.pulsemq.broker.amqp.TopicQueues}). Every queue's
 * state is owned by one thread, the queue executor, which also does the RocksDB reads, so no event loop
 * ever waits for the store; the queues' progress is written by another thread
 * ({@link io.pulsemq.broker.amqp.ProgressWriter}), so the queue executor does not wait for the status log's fsyncs. Method and content-header encoding reuse RabbitMQ's {@code amqp-client} codec
 * (docs/decisions.md).
 */
package io.pulsemq.broker.amqp;
