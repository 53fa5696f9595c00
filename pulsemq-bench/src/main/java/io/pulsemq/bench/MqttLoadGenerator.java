package io.pulsemq.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
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
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cheap MQTT 3.1.1 load generator on raw Netty (codec-mqtt): a fixed number of slots, each running
 * TCP connect, CONNECT, CONNACK, then DISCONNECT and close (or keeping the connection), as fast as the broker
 * answers, until its {@link Plan} says stop.
 *
 * <p>Measures the CONNACK latency (CONNECT written to CONNACK read) in a {@link Recorder}, so a measured
 * interval can be cut out of a longer run: {@link #resetInterval()} at the end of the warm-up,
 * {@link #interval()} at the end of the measurement. Connections are spread over several loopback source
 * addresses (127.0.0.1, .2, ..) with {@code IP_BIND_ADDRESS_NO_PORT}, so that ephemeral ports do not run out.
 *
 * <p>Bounded: every attempt has a {@value #ATTEMPT_TIMEOUT_MS} ms timeout; a run aborts itself after
 * {@value #MAX_ERRORS} errors; {@link #await} waits a bounded time.
 */
public final class MqttLoadGenerator implements AutoCloseable {

    /** An attempt without CONNACK after this long counts as a timeout. */
    static final long ATTEMPT_TIMEOUT_MS = 10_000;
    /** A run stops starting attempts after this many errors. */
    static final long MAX_ERRORS = 10_000;

    private static final MqttMessage DISCONNECT =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));

    /** What each slot does next. */
    public interface Plan {

        /** The next attempt of {@code slot}, or null when the slot is done. Called on event loop threads. */
        Attempt next(int slot);
    }

    /**
     * One connection attempt.
     *
     * @param clientId       the MQTT client ID
     * @param stayConnected  keep the connection after CONNACK (until {@link #close()}) instead of disconnecting
     */
    public record Attempt(String clientId, boolean stayConnected) {
    }

    /** Counters of one interval. */
    public record Counts(long connacks, long cycles, long connectErrors, long refused, long timeouts,
                         long closedEarly) {

        /** Errors of every kind. */
        public long errors() {
            return connectErrors + refused + timeouts + closedEarly;
        }

        Counts minus(Counts o) {
            return new Counts(connacks - o.connacks, cycles - o.cycles, connectErrors - o.connectErrors,
                    refused - o.refused, timeouts - o.timeouts, closedEarly - o.closedEarly);
        }
    }

    private final EventLoopGroup group;
    private final boolean epoll;
    private final List<InetAddress> sources;
    private final ChannelGroup held = new DefaultChannelGroup("held", GlobalEventExecutor.INSTANCE);
    private final Recorder connackLatency = new Recorder(60_000_000_000L, 3);
    private final LongAdder connacks = new LongAdder();
    private final LongAdder cycles = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder closedEarly = new LongAdder();
    private final AtomicInteger sourceCursor = new AtomicInteger();
    private volatile String firstError;
    private Counts intervalStart = new Counts(0, 0, 0, 0, 0, 0);
    private long intervalStartNanos = System.nanoTime();

    private Bootstrap bootstrap;
    private Plan plan;
    private SslContext tls;
    private List<InetSocketAddress> targets;
    private CountDownLatch slotsDone;

    /**
     * @param threads         event loop threads
     * @param sourceAddresses loopback source addresses to spread connections over (127.0.0.1 ..)
     */
    public MqttLoadGenerator(int threads, int sourceAddresses) {
        epoll = Epoll.isAvailable();
        DefaultThreadFactory tf = new DefaultThreadFactory("bench-mqtt", true);
        group = new MultiThreadIoEventLoopGroup(threads, tf,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        List<InetAddress> list = new ArrayList<>();
        // Without epoll there is no IP_BIND_ADDRESS_NO_PORT: let the kernel pick the source.
        int n = epoll ? sourceAddresses : 0;
        for (int i = 1; i <= n; i++) {
            try {
                list.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        sources = List.copyOf(list);
    }

    /** Whether native epoll is in use (then several source addresses are used). */
    public boolean nativeEpoll() {
        return epoll;
    }

    /** How many source addresses are in use (0: the kernel's choice). */
    public int sourceAddresses() {
        return sources.size();
    }

    /**
     * Starts {@code slots} slots against {@code target}, each following {@code plan}. Returns at once; see
     * {@link #await}.
     */
    public void start(InetSocketAddress target, int slots, Plan plan) {
        start(target, null, slots, plan);
    }

    /**
     * As {@link #start(InetSocketAddress, int, Plan)}, over TLS when {@code tls} is not null: each attempt is a
     * new TCP connection with a full TLS handshake (no session resumption), and its CONNACK latency includes the
     * handshake (CONNECT is written at once and sent when the handshake completes).
     */
    public void start(InetSocketAddress target, SslContext tls, int slots, Plan plan) {
        start(List.of(target), tls, slots, plan);
    }

    /**
     * As {@link #start(InetSocketAddress, SslContext, int, Plan)} against several brokers (the nodes of a cluster):
     * slot {@code s} always connects to {@code targets.get(s % targets.size())}.
     */
    public synchronized void start(List<InetSocketAddress> targets, SslContext tls, int slots, Plan plan) {
        if (slotsDone != null && slotsDone.getCount() > 0) {
            throw new IllegalStateException("a run is going on");
        }
        this.plan = plan;
        this.tls = tls;
        this.targets = List.copyOf(targets);
        this.slotsDone = new CountDownLatch(slots);
        bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ATTEMPT_TIMEOUT_MS);
        if (epoll) {
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        resetInterval();
        for (int s = 0; s < slots; s++) {
            int slot = s;
            group.next().execute(() -> startAttempt(slot));
        }
    }

    /** Waits until every slot is done, at most {@code timeout}; answers whether they all are. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return slotsDone.await(timeout, unit);
    }

    /** Starts a new measured interval: forgets the latencies and counts so far. */
    public void resetInterval() {
        connackLatency.getIntervalHistogram();
        intervalStart = counts();
        intervalStartNanos = System.nanoTime();
    }

    /** The CONNACK latencies (nanoseconds) since the last reset; starts a new interval. */
    public Interval interval() {
        Histogram h = connackLatency.getIntervalHistogram();
        long now = System.nanoTime();
        Counts total = counts();
        Interval i = new Interval(total.minus(intervalStart), h, (now - intervalStartNanos) / 1e9);
        intervalStart = total;
        intervalStartNanos = now;
        return i;
    }

    /**
     * One measured interval.
     *
     * @param counts    what happened in it
     * @param latencies CONNACK latencies in nanoseconds
     * @param seconds   its length
     */
    public record Interval(Counts counts, Histogram latencies, double seconds) {

        /** CONNACKs per second. */
        public double connacksPerSecond() {
            return counts.connacks() / seconds;
        }
    }

    /** Counts since the generator was made. */
    public Counts counts() {
        return new Counts(connacks.sum(), cycles.sum(), connectErrors.sum(), refused.sum(), timeouts.sum(),
                closedEarly.sum());
    }

    /** The first error seen, for the report, or null. */
    public String firstError() {
        return firstError;
    }

    /** Connections kept open by {@link Attempt#stayConnected()} attempts. */
    public int heldConnections() {
        return held.size();
    }

    /** Closes the connections kept open; waits up to {@code timeoutMs}. */
    public void closeHeld(long timeoutMs) {
        held.close().awaitUninterruptibly(timeoutMs);
    }

    @Override
    public void close() {
        closeHeld(10_000);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void error(LongAdder counter, String what) {
        counter.increment();
        if (firstError == null) {
            firstError = what;
        }
    }

    private long errorCount() {
        return connectErrors.sum() + refused.sum() + timeouts.sum() + closedEarly.sum();
    }

    private void startAttempt(int slot) {
        Attempt attempt = errorCount() >= MAX_ERRORS ? null : plan.next(slot);
        if (attempt == null) {
            slotsDone.countDown();
            return;
        }
        SslContext tlsContext = tls;
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tlsContext != null) {
                    // No peer host and port: the client keeps no session to resume, every handshake is a full one.
                    ch.pipeline().addLast(tlsContext.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new Client(slot, attempt));
            }
        });
        InetSocketAddress target = targets.get(slot % targets.size());
        io.netty.channel.ChannelFuture f = sources.isEmpty() ? b.connect(target)
                : b.connect(target,
                new InetSocketAddress(sources.get(Math.floorMod(sourceCursor.getAndIncrement(), sources.size())), 0));
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                error(connectErrors, "connect: " + cf.cause());
                // Do not spin against a broker that refuses connections.
                cf.channel().eventLoop().schedule(() -> startAttempt(slot), 10, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** One connection: CONNECT on active, then DISCONNECT (or keep) on CONNACK. The slot moves on once. */
    private final class Client extends SimpleChannelInboundHandler<MqttMessage> {

        private final int slot;
        private final Attempt attempt;
        private long sentAt;
        private boolean acked;
        private boolean released;
        private ScheduledFuture<?> timeout;

        Client(int slot, Attempt attempt) {
            this.slot = slot;
            this.attempt = attempt;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            MqttMessage connect = MqttMessageBuilders.connect()
                    .clientId(attempt.clientId())
                    .protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(true)
                    .keepAlive(0)
                    .build();
            timeout = ctx.executor().schedule(() -> {
                if (!acked) {
                    error(timeouts, "no CONNACK within " + ATTEMPT_TIMEOUT_MS + " ms");
                    ctx.close();
                }
            }, ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(connect, ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (acked || !(msg instanceof MqttConnAckMessage ack)) {
                return;
            }
            acked = true;
            timeout.cancel(false);
            MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
            if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                error(refused, "CONNACK " + code);
                ctx.close();
                return;
            }
            connackLatency.recordValue(Math.min(System.nanoTime() - sentAt, 60_000_000_000L));
            connacks.increment();
            if (attempt.stayConnected()) {
                held.add(ctx.channel());
                release();
            } else {
                ctx.writeAndFlush(DISCONNECT).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (!acked) {
                error(closedEarly, "connection closed before CONNACK");
            } else if (!attempt.stayConnected()) {
                cycles.increment();
            }
            release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!acked) {
                firstError = firstError == null ? String.valueOf(cause) : firstError;
            }
            ctx.close();
        }

        private void release() {
            if (!released) {
                released = true;
                startAttempt(slot);
            }
        }
    }
}
