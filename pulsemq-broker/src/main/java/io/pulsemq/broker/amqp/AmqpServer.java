package io.pulsemq.broker.amqp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.metrics.WorkerExecutor;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import io.pulsemq.broker.store.WriteBarrier;
import io.pulsemq.broker.transport.NettyTransport;
import io.pulsemq.broker.transport.ProxyProtocol;
import io.pulsemq.broker.transport.ReadPause;
import io.pulsemq.broker.transport.ReadPauses;
import io.pulsemq.broker.transport.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The server SDK endpoint: the AMQP 0-9-1 listener and the queues behind it. Built by the composition root;
 * {@link #close()} ends every connection with {@code connection.close} 320 (the SDK then reconnects
 * by itself), stops the queue executor and detaches from the router and the status log.
 *
 * <p>Threads: connections run on the event loops of the transport given (the broker's AMQP group,
 * {@code eventLoops.amqp}, which no MQTT work shares); all queue state, and every store read for it,
 * is on one queue executor thread ({@code pulsemq-amqp-queues}); the queues' progress (cursors, deletions of
 * acknowledged messages) is written by {@code pulsemq-amqp-progress} ({@link ProgressWriter}).
 */
public final class AmqpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AmqpServer.class);
    /**
     * Outbound bytes buffered per connection: above the high mark (1 MiB) the connection is no longer read
     * ({@link ReadPause}), below the low mark (256 KiB) it is read again.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final NettyTransport transport;
    private final AmqpServices services;
    private final ProgressWriter progress;
    private final ExecutorService progressThread;
    private final String version;
    private final ChannelGroup serverChannels = new DefaultChannelGroup("amqp-listeners", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup("amqp-connections", GlobalEventExecutor.INSTANCE);
    private final ReadPauses pauses = new ReadPauses();

    private AmqpServer(NettyTransport transport, AmqpServices services, ProgressWriter progress,
                       ExecutorService progressThread, String version) {
        this.transport = transport;
        this.services = services;
        this.progress = progress;
        this.progressThread = progressThread;
        this.version = version;
    }

    /**
     * What the endpoint shares with the MQTT listeners.
     *
     * @param guard           login throttling and bans
     * @param authorizer      the authorization rules; a backend's sends and reads are decided by them like an MQTT
     *                        client's publishes and subscriptions
     * @param deniedPublishes counts publishes the rules kept from being routed ({@code pulsemq.messages.denied})
     * @param limitHits       counts the limits connections run into ({@code pulsemq.limit.hits})
     */
    public record Access(LoginGuard guard, Authorizer authorizer, LongAdder deniedPublishes, LimitHits limitHits) {

        /** Access whose limit hits are counted apart. */
        public Access(LoginGuard guard, Authorizer authorizer, LongAdder deniedPublishes) {
            this(guard, authorizer, deniedPublishes, new LimitHits());
        }
    }

    /**
     * Builds the endpoint: loads the durable topic queues and attaches to the router (device messages) and the
     * status log (commit notifications). Call {@link #bind} to listen.
     *
     * @param writer    the store's writer, for the queues' writes
     * @param published what a publisher confirm waits for: the writer, and in a cluster the other nodes'
     *                  acknowledgements of what the publish routed to them
     */
    public static AmqpServer create(BrokerConfig config, NettyTransport transport, StatusLog statusLog, RocksStore store,
                                    StoreWriter writer, WriteBarrier published, Router router, Clock clock,
                                    String version, Access access) {
        WorkerExecutor executor = new WorkerExecutor("pulsemq-amqp-queues", "server SDK queue work",
                "pulsemq_amqp_queue_failures_total");
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending redeliveries resume after restart
        ExecutorService progressThread = Executors.newSingleThreadExecutor(
                new DefaultThreadFactory("pulsemq-amqp-progress", true));
        try {
            ProgressWriter progress = new ProgressWriter(store, progressThread);
            AmqpLogin login = new AmqpLogin(config.instanceId(), config.accessKeys(), clock,
                    config.amqp().signatureMaxAge(), config.amqp().signatureMaxClockSkew());
            StatusQueues status = new StatusQueues(statusLog, store, progress, config.instanceId(), executor,
                    config.amqp().redeliveryDelay());
            TopicQueues topics = new TopicQueues(store, writer, progress, executor, config.amqp(), clock,
                    config.accessKeys(), access.authorizer(), router::addInterest);
            router.addPublishListener(topics);
            AmqpServices services = new AmqpServices(config.amqp(), login, status, topics, router, executor,
                    config.mqtt().maxPacketSize(), config.mqtt().maxTopicLevels(), clock, access.guard(),
                    access.authorizer(), access.deniedPublishes(), config.mqtt().maxTopicLength(), access.limitHits(),
                    published);
            return new AmqpServer(transport, services, progress, progressThread, version);
        } catch (RuntimeException | Error e) {
            executor.shutdownNow();
            progressThread.shutdownNow();
            throw e;
        }
    }

    /** Binds the plain listener; returns the bound port. */
    public int bind(ListenerConfig listener) throws InterruptedException {
        return bind(listener, null);
    }

    /**
     * Binds a listener; returns the bound port.
     *
     * @param tls the TLS context of each new connection (asked once per connection); null: plain AMQP
     */
    public int bind(ListenerConfig listener, Supplier<SslContext> tls) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(transport.acceptGroup(), transport.workerGroup())
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ProxyProtocol.install(ch.pipeline(), listener);
                        if (tls != null) {
                            ch.pipeline().addLast(TlsContexts.HANDLER_NAME, tls.get().newHandler(ch.alloc()));
                        }
                        addProtocolHandlers(ch.pipeline());
                    }
                });
        Channel server = b.bind(listener.host(), listener.port()).sync().channel();
        serverChannels.add(server);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        LOG.debug("AMQP listener bound on {}:{}", listener.host(), port);
        return port;
    }

    /**
     * Adds what speaks AMQP on a connection, after the transport's handlers (PROXY protocol, TLS): flush
     * consolidation, the frame decoder and the connection. Also used by pipeline tests on an embedded channel.
     */
    void addProtocolHandlers(ChannelPipeline pipeline) {
        pipeline.addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast(AmqpFrameDecoder.HANDLER_NAME, new AmqpFrameDecoder(services.config().frameMax()))
                .addLast(AmqpConnection.HANDLER_NAME, new AmqpConnection(services, version, pauses));
    }

    /** Backpressure pauses of the AMQP connections. */
    public ReadPauses pauses() {
        return pauses;
    }

    /** The queue thread (deliveries, acknowledgements, redeliveries); for pipeline tests that wait for its work. */
    ScheduledExecutorService queueExecutor() {
        return services.queueExecutor();
    }

    /** Number of open AMQP connections. */
    public int openConnections() {
        return connections.size();
    }

    /** Queue tasks that failed (each logged; see {@link WorkerExecutor}). */
    public long queueFailures() {
        return ((WorkerExecutor) services.queueExecutor()).failures();
    }

    /** Device messages dropped because their parent-topic queue was full. */
    public long droppedMessages() {
        return services.topics().droppedCount();
    }

    @Override
    public void close() {
        serverChannels.close().awaitUninterruptibly();
        for (Channel ch : connections) {
            AmqpConnection handler = ch.pipeline().get(AmqpConnection.class);
            if (handler != null) {
                ch.eventLoop().execute(handler::shutdown);
            }
        }
        connections.newCloseFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        connections.close().awaitUninterruptibly();
        services.router().removePublishListener(services.topics());
        services.status().close();
        services.queueExecutor().shutdown();
        try {
            if (!services.queueExecutor().awaitTermination(5, TimeUnit.SECONDS)) {
                services.queueExecutor().shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            services.queueExecutor().shutdownNow();
        }
        // the queues are quiet now: store their last progress before the store closes
        progressThread.shutdown();
        try {
            progressThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        progress.close();
    }
}
