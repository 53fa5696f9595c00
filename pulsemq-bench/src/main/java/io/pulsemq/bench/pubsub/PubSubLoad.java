package io.pulsemq.bench.pubsub;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
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
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publish/subscribe load on raw Netty (codec-mqtt, MQTT 3.1.1, epoll): publishers and subscribers on one topic,
 * every payload carrying the publisher's number, a sequence number and a send time, so the subscribers count
 * what arrived, what was lost and how long it took.
 *
 * <p>Three ways to publish ({@link Mode}): a closed loop bounded by a {@link DeliveryWindow}, a fixed offered
 * rate (latency from each message's scheduled send time, so a stalled broker cannot hide its delay), and a flood
 * bounded only by TCP (write while the socket is writable). Every {@link Run} is bounded in time by its caller and
 * closes its connections in {@link Run#close()}.
 */
public final class PubSubLoad implements AutoCloseable {

    /** Bytes of the header in every payload: publisher (int), sequence number (long), send time (long, nanos). */
    public static final int HEADER_BYTES = 20;
    /** A window that has not moved for this long is given up on (its messages count as lost). */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** How publishers pace themselves. */
    public enum Mode {
        /** At most {@link Scenario#window()} messages sent but not yet received by every subscriber. */
        CLOSED_LOOP,
        /** A fixed total rate, spread evenly over the publishers. */
        FIXED_RATE,
        /** As fast as TCP takes it: no window at all. */
        FLOOD
    }

    /**
     * One workload.
     *
     * @param publishers   publishing connections
     * @param subscribers  subscribing connections, each receiving every message
     * @param qos          0 or 1, for publishing and subscribing
     * @param payloadBytes payload size, at least {@link #HEADER_BYTES}
     * @param window       closed loop: messages in flight per publisher
     * @param persistent   whether the subscribers keep persistent sessions (MQTT 3.1.1 clean session 0), so that
     *                     the broker stores every QoS 1 delivery until it is acknowledged
     */
    public record Scenario(int publishers, int subscribers, int qos, int payloadBytes, int window, boolean persistent) {

        public Scenario {
            if (payloadBytes < HEADER_BYTES) {
                throw new IllegalArgumentException("payload of at least " + HEADER_BYTES + " bytes");
            }
        }

        /** Subscribers with clean sessions. */
        public Scenario(int publishers, int subscribers, int qos, int payloadBytes, int window) {
            this(publishers, subscribers, qos, payloadBytes, window, false);
        }

        /** E.g. {@code 10->1 QoS 1 1 KB}, {@code 10->1 QoS 1 64 B persistent}. */
        public String label() {
            return publishers + "->" + subscribers + " QoS " + qos + " " + sizeLabel(payloadBytes)
                    + (persistent ? " persistent" : "");
        }

        static String sizeLabel(int bytes) {
            return bytes % 1024 == 0 ? bytes / 1024 + " KB" : bytes + " B";
        }
    }

    /**
     * Counts of a run.
     *
     * @param sent       messages written by all publishers
     * @param expected   deliveries owed: each message to every subscriber
     * @param delivered  distinct deliveries received
     * @param duplicates deliveries received again
     * @param reordered  deliveries that arrived after a later message of the same publisher
     * @param acked      PUBACKs received by publishers (QoS 1)
     * @param stalls     closed-loop windows given up on after {@link #STALL_NANOS}
     */
    public record Totals(long sent, long expected, long delivered, long duplicates, long reordered, long acked,
                         long stalls) {

        /** Deliveries owed that never arrived. */
        public long lost() {
            return Math.max(0, expected - delivered);
        }
    }

    /**
     * One measured interval.
     *
     * @param seconds   its length
     * @param sent      messages published in it
     * @param delivered distinct deliveries in it
     * @param latency   send (fixed rate: scheduled send) to receipt, nanoseconds
     */
    public record Interval(double seconds, long sent, long delivered, Histogram latency) {

        public double deliveredPerSecond() {
            return delivered / seconds;
        }

        public double sentPerSecond() {
            return sent / seconds;
        }
    }

    private final EventLoopGroup group;
    private final boolean epoll;

    /** @param threads event loop threads */
    public PubSubLoad(int threads) {
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-pubsub", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * Connects the subscribers (and waits for their SUBACKs), then the publishers, then starts publishing.
     *
     * @param runId        makes topic and client IDs unique to this run
     * @param ratePerSecond total rate for {@link Mode#FIXED_RATE}, else ignored
     */
    public Run start(InetSocketAddress target, Scenario scenario, Mode mode, int ratePerSecond, String runId)
            throws Exception {
        return start(target, null, scenario, mode, ratePerSecond, runId);
    }

    /** As {@link #start(InetSocketAddress, Scenario, Mode, int, String)}, over TLS when {@code tls} is not null. */
    public Run start(InetSocketAddress target, SslContext tls, Scenario scenario, Mode mode, int ratePerSecond,
                     String runId) throws Exception {
        return start(target, target, tls, scenario, mode, ratePerSecond, runId);
    }

    /**
     * As {@link #start(InetSocketAddress, SslContext, Scenario, Mode, int, String)} with the publishers on one broker
     * and the subscribers on another (two nodes of a cluster): the messages cross from {@code publishTo} to
     * {@code subscribeTo}. The caller makes sure the route is there before (see {@link #topic}).
     */
    public Run start(InetSocketAddress publishTo, InetSocketAddress subscribeTo, SslContext tls, Scenario scenario,
                     Mode mode, int ratePerSecond, String runId) throws Exception {
        Run run = new Run(publishTo, subscribeTo, tls, scenario, mode, ratePerSecond, runId);
        try {
            run.connect();
        } catch (Exception e) {
            run.close();
            throw e;
        }
        return run;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The topic every message of run {@code runId} is published to. */
    public static String topic(String runId) {
        return "bench/" + runId + "/data";
    }

    /** One workload against one broker (or two nodes of a cluster), from connect to close. */
    public final class Run implements AutoCloseable {

        private final InetSocketAddress publishTo;
        private final InetSocketAddress subscribeTo;
        private final SslContext tls;
        private final Scenario scenario;
        private final Mode mode;
        private final int rate;
        private final String topic;
        private final String runId;
        private final List<Publisher> publishers = new ArrayList<>();
        private final List<Subscriber> subscribers = new ArrayList<>();
        private final List<Channel> channels = new ArrayList<>();
        private final Recorder latency = new Recorder(MAX_LATENCY_NANOS, 3);
        private final LongAdder sent = new LongAdder();
        private final LongAdder delivered = new LongAdder();
        private final LongAdder duplicates = new LongAdder();
        private final LongAdder acked = new LongAdder();
        private final LongAdder stalls = new LongAdder();
        private final AtomicBoolean publishing = new AtomicBoolean();
        private long intervalStart;
        private long sentAtStart;
        private long deliveredAtStart;

        private Run(InetSocketAddress publishTo, InetSocketAddress subscribeTo, SslContext tls, Scenario scenario,
                    Mode mode, int rate, String runId) {
            this.publishTo = publishTo;
            this.subscribeTo = subscribeTo;
            this.tls = tls;
            this.scenario = scenario;
            this.mode = mode;
            this.rate = rate;
            this.runId = runId;
            this.topic = topic(runId);
        }

        private void connect() throws Exception {
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (int s = 0; s < scenario.subscribers(); s++) {
                Subscriber sub = new Subscriber(s);
                subscribers.add(sub);
                ready.add(open(sub, "sub-" + s, subscribeTo));
            }
            await(ready, "subscribers");
            ready.clear();
            for (int p = 0; p < scenario.publishers(); p++) {
                Publisher pub = new Publisher(p);
                publishers.add(pub);
                ready.add(open(pub, "pub-" + p, publishTo));
            }
            await(ready, "publishers");
            resetInterval();
            publishing.set(true);
            for (Publisher p : publishers) {
                p.channel.eventLoop().execute(p::begin);
            }
        }

        private CompletableFuture<Void> open(Client client, String name, InetSocketAddress target) {
            client.clientId = "bench-" + runId + "-" + name;
            Bootstrap b = new Bootstrap().group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE, client);
                        }
                    });
            ChannelFuture f = b.connect(target);
            synchronized (channels) {
                channels.add(f.channel());
            }
            f.addListener(cf -> {
                if (!cf.isSuccess()) {
                    client.ready.completeExceptionally(cf.cause());
                }
            });
            return client.ready;
        }

        private void await(List<CompletableFuture<Void>> ready, String what) throws Exception {
            try {
                CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(what + " not ready within 30 s", e);
            }
        }

        /** Starts a new measured interval. */
        public void resetInterval() {
            latency.getIntervalHistogram();
            intervalStart = System.nanoTime();
            sentAtStart = sent.sum();
            deliveredAtStart = delivered.sum();
        }

        /** The interval since the last reset. */
        public Interval interval() {
            long now = System.nanoTime();
            return new Interval((now - intervalStart) / 1e9, sent.sum() - sentAtStart,
                    delivered.sum() - deliveredAtStart, latency.getIntervalHistogram());
        }

        /** Stops publishing; what is in flight may still arrive (see {@link #drain}). */
        public void stopPublishing() {
            publishing.set(false);
        }

        /**
         * Waits until every owed delivery arrived, or nothing arrived for {@code quietMillis}, or
         * {@code maxMillis} passed; answers the totals.
         */
        public Totals drain(long quietMillis, long maxMillis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + maxMillis;
            long last = -1;
            long lastChange = System.currentTimeMillis();
            while (System.currentTimeMillis() < deadline) {
                Totals t = totals();
                if (t.delivered() >= t.expected()) {
                    break;
                }
                if (t.delivered() != last) {
                    last = t.delivered();
                    lastChange = System.currentTimeMillis();
                } else if (System.currentTimeMillis() - lastChange > quietMillis) {
                    break;
                }
                Thread.sleep(50);
            }
            return totals();
        }

        /** Counts so far. */
        public Totals totals() {
            long s = sent.sum();
            long reordered = 0;
            for (Subscriber sub : subscribers) {
                reordered += sub.reordered();
            }
            return new Totals(s, s * scenario.subscribers(), delivered.sum(), duplicates.sum(), reordered, acked.sum(),
                    stalls.sum());
        }

        /** Whether every connection is still open. */
        public boolean allConnected() {
            synchronized (channels) {
                return channels.stream().allMatch(Channel::isActive);
            }
        }

        @Override
        public void close() {
            publishing.set(false);
            List<Channel> all;
            synchronized (channels) {
                all = new ArrayList<>(channels);
            }
            for (Channel c : all) {
                c.close().awaitUninterruptibly(5_000);
            }
        }

        /** Shared by both kinds of connection: CONNECT on active, {@link #ready} on success. */
        private abstract class Client extends SimpleChannelInboundHandler<MqttMessage> {
            final CompletableFuture<Void> ready = new CompletableFuture<>();
            String clientId;
            Channel channel;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                channel = ctx.channel();
                ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId)
                        .protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(cleanSession()).keepAlive(0).build());
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
                if (msg instanceof MqttConnAckMessage ack) {
                    MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
                    if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                        ready.completeExceptionally(new IllegalStateException(clientId + ": CONNACK " + code));
                        ctx.close();
                        return;
                    }
                    connected(ctx);
                } else {
                    read(ctx, msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                ready.completeExceptionally(new IllegalStateException(clientId + ": connection closed"));
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ready.completeExceptionally(cause);
                ctx.close();
            }

            /** Whether the connection asks for a clean session; only a persistent scenario's subscribers do not. */
            boolean cleanSession() {
                return true;
            }

            abstract void connected(ChannelHandlerContext ctx);

            abstract void read(ChannelHandlerContext ctx, MqttMessage msg);
        }

        private final class Subscriber extends Client {
            private final int index;
            private final SequenceTracker[] fromPublisher;

            Subscriber(int index) {
                this.index = index;
                this.fromPublisher = new SequenceTracker[scenario.publishers()];
                for (int p = 0; p < fromPublisher.length; p++) {
                    fromPublisher[p] = new SequenceTracker();
                }
            }

            @Override
            boolean cleanSession() {
                return !scenario.persistent();
            }

            @Override
            void connected(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(MqttMessageBuilders.subscribe().messageId(1)
                        .addSubscription(MqttQoS.valueOf(scenario.qos()), topic).build());
            }

            @Override
            void read(ChannelHandlerContext ctx, MqttMessage msg) {
                if (msg instanceof MqttSubAckMessage) {
                    ready.complete(null);
                } else if (msg instanceof MqttPublishMessage p) {
                    long now = System.nanoTime();
                    if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                        ctx.write(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build(),
                                ctx.voidPromise());
                    }
                    ByteBuf b = p.payload();
                    int pub = b.getInt(b.readerIndex());
                    long seq = b.getLong(b.readerIndex() + 4);
                    long at = b.getLong(b.readerIndex() + 12);
                    if (pub < 0 || pub >= fromPublisher.length) {
                        return;
                    }
                    if (fromPublisher[pub].record(seq)) {
                        delivered.increment();
                        latency.recordValue(Math.max(0, Math.min(now - at, MAX_LATENCY_NANOS)));
                        publishers.get(pub).received(index, seq);
                    } else {
                        duplicates.increment();
                    }
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            /** Read from other threads for the totals: a racy but monotonic sum is good enough there. */
            long reordered() {
                long n = 0;
                for (SequenceTracker t : fromPublisher) {
                    n += t.reordered();
                }
                return n;
            }
        }

        private final class Publisher extends Client {
            private final int index;
            private final DeliveryWindow window;
            private final AtomicBoolean blocked = new AtomicBoolean();
            private int nextPacketId = 1;
            private long startNanos;
            private long lastOutstanding = -1;
            private long lastMove;
            private ScheduledFuture<?> timer;

            Publisher(int index) {
                this.index = index;
                this.window = new DeliveryWindow(scenario.window(), scenario.subscribers());
            }

            @Override
            void connected(ChannelHandlerContext ctx) {
                ready.complete(null);
            }

            @Override
            void read(ChannelHandlerContext ctx, MqttMessage msg) {
                if (msg instanceof MqttPubAckMessage || msg.fixedHeader().messageType() == MqttMessageType.PUBACK) {
                    acked.increment();
                }
            }

            void begin() {
                startNanos = System.nanoTime();
                lastMove = startNanos;
                switch (mode) {
                    case FIXED_RATE -> timer = channel.eventLoop().scheduleAtFixedRate(this::onSchedule, 0, 1,
                            TimeUnit.MILLISECONDS);
                    case CLOSED_LOOP -> {
                        timer = channel.eventLoop().scheduleAtFixedRate(this::checkStall, 100, 100,
                                TimeUnit.MILLISECONDS);
                        pump();
                    }
                    case FLOOD -> pump();
                }
            }

            /** From any subscriber's thread: a message of this publisher arrived there. */
            void received(int subscriber, long seq) {
                window.received(subscriber, seq);
                if (blocked.get() && blocked.compareAndSet(true, false)) {
                    channel.eventLoop().execute(this::pump);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable() && mode != Mode.FIXED_RATE) {
                    pump();
                }
            }

            private void pump() {
                boolean wrote = false;
                while (publishing.get() && channel.isWritable()) {
                    if (mode == Mode.CLOSED_LOOP && !window.canSend()) {
                        blocked.set(true);
                        if (!window.canSend()) {
                            break;
                        }
                        blocked.set(false);
                    }
                    publish(window.sent(), System.nanoTime());
                    wrote = true;
                }
                if (!publishing.get() && timer != null) {
                    timer.cancel(false);
                }
                if (wrote) {
                    channel.flush();
                }
            }

            private void onSchedule() {
                if (!publishing.get()) {
                    timer.cancel(false);
                    return;
                }
                double perPublisher = (double) rate / scenario.publishers();
                long now = System.nanoTime();
                long due = (long) ((now - startNanos) / 1e9 * perPublisher);
                boolean wrote = false;
                for (long seq = window.sentCount(); seq < due; seq = window.sentCount()) {
                    publish(window.sent(), startNanos + (long) (seq / perPublisher * 1e9));
                    wrote = true;
                }
                if (wrote) {
                    channel.flush();
                }
            }

            private void checkStall() {
                if (!publishing.get()) {
                    timer.cancel(false);
                    return;
                }
                long o = window.outstanding();
                long now = System.nanoTime();
                if (o != lastOutstanding || window.canSend()) {
                    lastOutstanding = o;
                    lastMove = now;
                } else if (now - lastMove > STALL_NANOS) {
                    stalls.increment();
                    window.forgetOutstanding();
                    lastMove = now;
                    pump();
                }
            }

            private void publish(long seq, long atNanos) {
                ByteBuf payload = channel.alloc().buffer(scenario.payloadBytes());
                payload.writeInt(index).writeLong(seq).writeLong(atNanos).writeZero(scenario.payloadBytes() - HEADER_BYTES);
                int id = 0;
                if (scenario.qos() > 0) {
                    id = nextPacketId;
                    nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
                }
                // Not MqttMessageBuilders.publish(): it copies the payload into a buffer of its own.
                channel.write(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false,
                        MqttQoS.valueOf(scenario.qos()), false, 0), new MqttPublishVariableHeader(topic, id), payload),
                        channel.voidPromise());
                sent.increment();
            }
        }
    }
}
