package io.pulsemq.bench.amqp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Devices that connect at a fixed rate and stay connected: raw Netty MQTT 3.1.1 clients (codec-mqtt, one event
 * loop thread, TCP_NODELAY), a few hundred bytes each, so thousands of them do not disturb what is measured the
 * way thousands of full client objects (with their own threads and garbage) would. Each device records
 * {@link System#nanoTime()} when its event loop reads the CONNACK.
 *
 * <p>Pacing: device {@code i} is due {@code i / rate} seconds after the start; a 1 ms tick starts every device
 * that is due, so a late tick catches up instead of shifting the schedule.
 */
final class PacedDevices implements Devices {

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ChannelGroup held = new DefaultChannelGroup("paced-devices", GlobalEventExecutor.INSTANCE);
    private final AtomicReference<String> firstError = new AtomicReference<>();

    PacedDevices(InetSocketAddress broker) {
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-devices", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .remoteAddress(broker)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    @Override
    public boolean connect(String idPrefix, int count, int rate, AtomicLongArray connackAt, long timeoutSeconds)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(count);
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        int[] next = {0};
        ScheduledFuture<?>[] tick = new ScheduledFuture<?>[1];
        tick[0] = group.next().scheduleAtFixedRate(() -> {
            long due = Math.min(count, (System.nanoTime() - start) / periodNanos + 1);
            while (next[0] < due) {
                int i = next[0]++;
                connectOne(idPrefix + i, i, connackAt, done);
            }
            if (next[0] >= count) {
                tick[0].cancel(false);
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        boolean finished = done.await(timeoutSeconds, TimeUnit.SECONDS);
        tick[0].cancel(false);
        return finished && firstError.get() == null;
    }

    @Override
    public String firstError() {
        return firstError.get();
    }

    @Override
    public void disconnectAll() {
        held.close().awaitUninterruptibly(30_000);
    }

    @Override
    public void close() {
        disconnectAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void connectOne(String clientId, int index, AtomicLongArray connackAt, CountDownLatch done) {
        bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new Device(clientId, index, connackAt, done));
            }
        }).connect().addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                firstError.compareAndSet(null, "connect " + clientId + ": " + f.cause());
                done.countDown();
            }
        });
    }

    private final class Device extends SimpleChannelInboundHandler<MqttMessage> {
        private final String clientId;
        private final int index;
        private final AtomicLongArray connackAt;
        private final CountDownLatch done;
        private boolean answered;

        Device(String clientId, int index, AtomicLongArray connackAt, CountDownLatch done) {
            this.clientId = clientId;
            this.index = index;
            this.connackAt = connackAt;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            held.add(ctx.channel());
            ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(true).keepAlive(0).build(), ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (answered || !(msg instanceof MqttConnAckMessage ack)) {
                return;
            }
            answered = true;
            if (ack.variableHeader().connectReturnCode() == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                connackAt.set(index, System.nanoTime());
            } else {
                firstError.compareAndSet(null, clientId + ": CONNACK " + ack.variableHeader().connectReturnCode());
                ctx.close();
            }
            done.countDown();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered) {
                answered = true;
                firstError.compareAndSet(null, clientId + ": closed before CONNACK");
                done.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            firstError.compareAndSet(null, clientId + ": " + cause);
            ctx.close();
        }
    }
}
