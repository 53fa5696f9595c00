package io.pulsemq.broker.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * One group of event loops: native epoll where the platform has it, NIO elsewhere. The broker has one per protocol
 * family (MQTT, HTTP, AMQP: {@code eventLoops.*}), so a stall on one family's loops does not reach the others; owned
 * by the composition root and closed after the listeners that use it.
 *
 * <p>A group serves both its listening sockets and their connections: each listener accepts on one of the
 * I/O loops, which then registers the new connection on the next loop in turn. A separate accept thread would
 * hand every connection over with a wake-up (a system call and a context switch) and compete with the I/O
 * loops for the same cores; under connection churn that cost about a tenth of the broker's CPU.
 */
public final class NettyTransport implements AutoCloseable {

    private final boolean epoll;
    private final EventLoopGroup group;
    private final int threads;

    /** Creates a group of threads named {@code pulsemq-io-*}; {@code ioThreads <= 0} means one per core. */
    public NettyTransport(int ioThreads) {
        this("pulsemq-io", ioThreads);
    }

    /**
     * Creates a group.
     *
     * @param name      prefix of its thread names ({@code pulsemq-mqtt}: threads {@code pulsemq-mqtt-1-1}, ...)
     * @param ioThreads its size; {@code <= 0} means one per core
     */
    public NettyTransport(String name, int ioThreads) {
        this.epoll = Epoll.isAvailable();
        this.threads = ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** The number of event-loop threads. */
    public int threads() {
        return threads;
    }

    /** The loops that accept connections (the I/O loops themselves). */
    public EventLoopGroup acceptGroup() {
        return group;
    }

    /** The loops that serve connections. */
    public EventLoopGroup workerGroup() {
        return group;
    }

    /** The server channel class matching the event loops. */
    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Whether native epoll is in use. */
    public boolean nativeEpoll() {
        return epoll;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
