/**
 * Netty plumbing: the event loop groups, one per protocol family, and the server channel type
 * ({@link io.pulsemq.broker.transport.NettyTransport}), native epoll where available; the MQTT listeners and their
 * pipelines ({@link io.pulsemq.broker.transport.MqttServer}); backpressure
 * ({@link io.pulsemq.broker.transport.ReadPause}).
 */
package io.pulsemq.broker.transport;
