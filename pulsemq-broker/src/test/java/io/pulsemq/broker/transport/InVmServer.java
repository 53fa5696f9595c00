package io.pulsemq.broker.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A listener's protocol handlers on Netty's in-VM transport, for pipeline tests (fuzzing) that need real event
 * loops: work answered on another thread (the status API's executor, the server SDK's queue thread) comes back to
 * the connection's loop as on a socket, which an embedded channel cannot do. One connection at a time.
 */
public final class InVmServer implements AutoCloseable {

    private final EventLoopGroup group = new DefaultEventLoopGroup(2);
    private final AtomicReference<Channel> accepted = new AtomicReference<>();
    private final Channel server;

    /**
     * @param name     the in-VM address
     * @param handlers adds the listener's protocol handlers to each accepted connection's pipeline
     */
    public InVmServer(String name, Consumer<ChannelPipeline> handlers) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.set(ch);
                        handlers.accept(ch.pipeline());
                    }
                })
                .bind(new LocalAddress(name)).sync().channel();
    }

    /** Connects a client whose received bytes go to {@code received} (each released after). */
    public Channel connect(Consumer<ByteBuf> received) throws InterruptedException {
        accepted.set(null);
        return new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        try {
                            received.accept((ByteBuf) msg);
                        } finally {
                            ReferenceCountUtil.release(msg);
                        }
                    }
                })
                .connect(server.localAddress()).sync().channel();
    }

    /** The server side of the last connection, once it is set up (waits up to {@code timeoutMs}); null if not. */
    public Channel accepted(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (accepted.get() == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return accepted.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
