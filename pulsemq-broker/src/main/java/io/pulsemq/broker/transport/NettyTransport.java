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

/**
 * The event loops every listener shares: native epoll where the platform has it, NIO elsewhere.
 * Owned by the broker's composition root; closed last.
 */
public final class NettyTransport implements AutoCloseable {

    private final boolean epoll;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;

    /** Creates the groups; {@code workerThreads <= 0} means Netty's default (2 x cores). */
    public NettyTransport(int workerThreads) {
        this.epoll = Epoll.isAvailable();
        int workers = workerThreads > 0 ? workerThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
        if (epoll) {
            bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pulsemq-accept"), EpollIoHandler.newFactory());
            workerGroup = new MultiThreadIoEventLoopGroup(workers, new DefaultThreadFactory("pulsemq-io"), EpollIoHandler.newFactory());
        } else {
            bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pulsemq-accept"), NioIoHandler.newFactory());
            workerGroup = new MultiThreadIoEventLoopGroup(workers, new DefaultThreadFactory("pulsemq-io"), NioIoHandler.newFactory());
        }
    }

    public EventLoopGroup bossGroup() {
        return bossGroup;
    }

    public EventLoopGroup workerGroup() {
        return workerGroup;
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
        bossGroup.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
