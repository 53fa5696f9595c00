/**
 * Netty plumbing shared by every listener: the event loop groups and the server channel type
 * ({@link io.pulsemq.broker.transport.NettyTransport}), native epoll where available.
 */
package io.pulsemq.broker.transport;
