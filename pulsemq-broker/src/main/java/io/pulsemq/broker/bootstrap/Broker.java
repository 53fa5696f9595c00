package io.pulsemq.broker.bootstrap;

import io.pulsemq.broker.api.StatusApi;
import io.pulsemq.broker.amqp.AmqpServer;
import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.DeviceCredentials;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.EventLoopsConfig;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.http.HttpRoutes;
import io.pulsemq.broker.http.RouteHandler;
import io.pulsemq.broker.metrics.BrokerMetrics;
import io.pulsemq.broker.metrics.MetricNames;
import io.pulsemq.broker.metrics.WorkerExecutor;
import io.pulsemq.broker.http.HttpServer;
import io.pulsemq.broker.limits.ConnectionSlots;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.retained.RetainedLimits;
import io.pulsemq.broker.mqtt.MqttServices;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.retained.RetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.session.SessionStore;
import io.pulsemq.broker.cluster.ClusterNode;
import io.pulsemq.broker.cluster.SharedRecords;
import io.pulsemq.broker.cluster.routes.JetStreamRetainedStore;
import io.pulsemq.broker.cluster.routes.NatsRoutes;
import io.pulsemq.broker.cluster.routes.RouteSubjects;
import io.pulsemq.broker.routing.RemoteRoutes;
import java.time.Duration;
import io.pulsemq.broker.presence.ReadBarrier;
import io.pulsemq.broker.statuslog.RocksStatusLog;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StatusRecorder;
import io.pulsemq.broker.store.RocksRetainedStore;
import io.pulsemq.broker.store.RocksSessionStore;
import io.pulsemq.broker.store.DataDirectory;
import io.pulsemq.broker.store.DiskSpace;
import io.pulsemq.broker.store.RocksBanStore;
import io.pulsemq.broker.store.RocksDeviceCredentialStore;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import io.pulsemq.broker.store.WriteBarrier;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.transport.MqttServer;
import io.pulsemq.broker.transport.NettyTransport;
import io.pulsemq.broker.transport.ReadPauses;
import io.pulsemq.broker.transport.TlsContexts;
import io.pulsemq.broker.transport.TlsContexts.ApplicationProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.LongAdder;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: builds the broker's object graph in dependency order, binds the listeners,
 * and stops everything in reverse order. Nothing else constructs services.
 *
 * <p>Start order: data directory, store, sessions (restored from the store), transport, listeners.
 * Stop order: stop accepting, end every connection ({@code server_shutdown}), close listeners,
 * timers, event loops, then the store. Each protocol family (MQTT, HTTP, AMQP) has its own event-loop group
 * ({@code eventLoops.*}).
 */
public final class Broker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    /** Most {@code connect} events waiting for the status log before new connections are refused. */
    private static final int MAX_PENDING_CONNECTS = 100_000;
    /**
     * Bytes of writes waiting for the store's writer beyond which MQTT connections stop being read (a write stall, a
     * full disk): what the clients send then waits in their sockets, and the heap stays bounded.
     */
    private static final long STORE_WRITER_HIGH_WATER_BYTES = 64L * 1024 * 1024;
    /** How often a cluster node sends the digest of its subscriptions, so that the others notice what they missed. */
    private static final Duration ROUTE_DIGESTS = Duration.ofSeconds(1);
    /** How often the TLS certificate, key and CA files are checked for changes. */
    private static final long TLS_RELOAD_SECONDS = 2;
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private PresenceRegistry presence;
    private StatusLog statusLog;
    /** The embedded status log; null in cluster mode. */
    private RocksStatusLog embeddedLog;
    /** This node's part of the cluster; null in single-node mode. */
    private ClusterNode cluster;
    private SessionRegistry sessions;
    private MqttServer mqttServer;
    private HttpRoutes httpRoutes;
    private Router router;
    private BoundPorts ports;
    private BanList bans;
    private ScheduledExecutorService timer;
    /** The TLS contexts; null without {@code tls.certFile}. */
    private TlsContexts tls;
    private boolean closed;

    private Broker(BrokerConfig config) {
        this.config = config;
    }

    /** Starts a broker; returns once every listener is bound. */
    public static Broker start(BrokerConfig config) throws Exception {
        return start(config, LifecycleListener.NONE, Clock.systemUTC());
    }

    /**
     * Starts a broker with a lifecycle listener and clock.
     *
     * @param listener told of every connection start and end, in per-client order, after the status
     *                 log's recorder (its stages are not waited for)
     */
    public static Broker start(BrokerConfig config, LifecycleListener listener, Clock clock) throws Exception {
        Broker broker = new Broker(config);
        try {
            broker.build(listener, clock);
            return broker;
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    private void build(LifecycleListener listener, Clock clock) throws Exception {
        DataDirectory.ensure(config.dataDir());
        BrokerMetrics metrics = register(new BrokerMetrics());
        LimitHits limitHits = new LimitHits();
        limitHits.bindTo(metrics.registry());
        RocksStore store = register(RocksStore.open(config.dataDir()));
        // closed before the store and after everything that writes through it (registered later, closed earlier)
        StoreWriter writer = register(new StoreWriter(store, STORE_WRITER_HIGH_WATER_BYTES));
        Gauge.builder(MetricNames.STORE_WRITER_PENDING, writer, StoreWriter::pendingBytes)
                .description("bytes of session, retained and queue writes waiting for the store's writer")
                .baseUnit("bytes").register(metrics.registry());
        FunctionCounter.builder(MetricNames.STORE_WRITE_FAILURES, writer, StoreWriter::failures)
                .description("attempts of the store's writer that the store refused (each retried)")
                .register(metrics.registry());
        presence = new PresenceRegistry();
        DiskSpace disk = DiskSpace.of(config.dataDir(), config.statusLog().minFreeDisk());
        Gauge.builder(MetricNames.DISK_FREE, disk, d -> d.minFree() == 0 ? Double.NaN : d.usable())
                .description("free bytes of the data directory's file system (NaN without statusLog.minFreeDisk)")
                .baseUnit("bytes").register(metrics.registry());
        ReadBarrier barrier;
        if (config.cluster().enabled()) {
            // closed after the sessions (registered later): their server_shutdown events go to the stream
            cluster = register(ClusterNode.start(config, presence, clock, MAX_PENDING_CONNECTS));
            statusLog = cluster.statusLog();
            barrier = cluster.statusLog();
        } else {
            embeddedLog = register(RocksStatusLog.open(store, presence, config.node(), clock, MAX_PENDING_CONNECTS,
                    disk));
            statusLog = embeddedLog;
            barrier = ReadBarrier.NONE;
            int crashed = embeddedLog.recoverUncleanStop();
            if (crashed > 0) {
                LOG.warn("the last stop was unclean: logged tcpclean/server_crash for {} clients that were online",
                        crashed);
            }
        }
        SessionStore sessionStore = new RocksSessionStore(store, writer);
        RetainedStore retained = register(new RocksRetainedStore(store, writer, new InMemoryRetainedStore()));
        NatsRoutes nodeRoutes = null;
        if (cluster != null) {
            // messages between nodes; retained messages in a stream every node follows into its own store
            nodeRoutes = register(new NatsRoutes(cluster.nats(), RouteSubjects.DEFAULT, config.node(), ROUTE_DIGESTS));
            JetStreamRetainedStore shared = register(JetStreamRetainedStore.open(cluster.nats(), RouteSubjects.DEFAULT,
                    config.cluster().nats().replicas(), retained, Duration.ofSeconds(30)));
            FunctionCounter.builder(MetricNames.CLUSTER_RETAINED_WRITE_FAILURES, shared,
                    JetStreamRetainedStore::failedWrites)
                    .description("retained-message changes not written to the cluster's retained stream")
                    .register(metrics.registry());
            retained = shared;
        }

        SubscriptionTrie subscriptions = nodeRoutes == null ? new SubscriptionTrie()
                : new SubscriptionTrie(nodeRoutes.interest());
        ConcurrentHashMap<String, Session> sessionMap = new ConcurrentHashMap<>();
        router = new Router(subscriptions, retained, sessionMap::get, clock,
                new RetainedLimits(config.mqtt().maxRetainedMessages(), config.mqtt().maxRetainedBytes()), limitHits,
                nodeRoutes == null ? RemoteRoutes.NONE : nodeRoutes);
        if (nodeRoutes != null) {
            nodeRoutes.start(router, writer); // a routed QoS 1/2 message is acknowledged once stored here
            NatsRoutes r = nodeRoutes;
            FunctionCounter.builder(MetricNames.CLUSTER_FORWARDED, r, NatsRoutes::forwardedCount)
                    .description("messages sent to other nodes").register(metrics.registry());
            FunctionCounter.builder(MetricNames.CLUSTER_BATCHES, r, NatsRoutes::batchCount)
                    .description("NATS messages that carried messages to other nodes (batches)").register(metrics.registry());
            FunctionCounter.builder(MetricNames.CLUSTER_RECEIVED, r, NatsRoutes::receivedCount)
                    .description("messages received from other nodes").register(metrics.registry());
            FunctionCounter.builder(MetricNames.CLUSTER_RESENT, r, NatsRoutes::resentCount)
                    .description("QoS 1/2 messages sent to another node again, unacknowledged").register(metrics.registry());
            FunctionCounter.builder(MetricNames.CLUSTER_ROUTE_FAILURES, r, NatsRoutes::failedCount)
                    .description("messages to or from other nodes that could not be sent or read").register(metrics.registry());
        }
        Gauge.builder(MetricNames.RETAINED_MESSAGES, retained, RetainedStore::size)
                .description("retained messages").register(metrics.registry());
        Gauge.builder(MetricNames.RETAINED_BYTES, retained, RetainedStore::bytes)
                .description("payload bytes of the retained messages").baseUnit("bytes").register(metrics.registry());
        WorkerExecutor timerThread = new WorkerExecutor("pulsemq-timer",
                "timer task (session expiry, will, retention, ban sweep or certificate reload)",
                "pulsemq_timer_failures_total");
        timer = timerThread;
        FunctionCounter.builder(MetricNames.TIMER_FAILURES, timerThread, WorkerExecutor::failures)
                .description("timer tasks that failed (each logged)").register(metrics.registry());
        register(() -> {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        });
        if (embeddedLog != null) { // a stream's retention is its own limits
            timer.scheduleWithFixedDelay(() -> embeddedLog.applyRetention(config.statusLog().retention(),
                    config.statusLog().maxBytes()), 1, 60, TimeUnit.SECONDS);
        }
        LifecycleListener recorder = new StatusRecorder(statusLog, clock, metrics);
        sessions = new SessionRegistry(sessionMap, subscriptions, sessionStore, router::publish,
                listener == LifecycleListener.NONE ? recorder : LifecycleListener.both(recorder, listener), timer, clock,
                config.mqtt());
        int restored = sessions.restore();
        if (restored > 0) {
            LOG.info("restored {} persistent sessions", restored);
        }
        if (cluster != null) {
            cluster.attach(sessions, timer, timer, nodeRoutes);
        }

        int cores = Runtime.getRuntime().availableProcessors();
        EventLoopsConfig loops = config.eventLoops();
        NettyTransport transport = register(new NettyTransport("pulsemq-mqtt", loops.mqttThreads(cores)));
        // in a cluster, bans and device credentials changed on any node apply on every node
        SharedRecords shared = cluster == null ? null
                : register(SharedRecords.open(cluster.nats(), config.cluster().nats().replicas()));
        RocksDeviceCredentialStore localDevices = new RocksDeviceCredentialStore(store);
        DeviceCredentials deviceCredentials = new DeviceCredentials(shared == null ? localDevices
                : shared.devices(localDevices), clock);
        int devices = deviceCredentials.load();
        if (devices > 0) {
            LOG.info("device credentials: {} client IDs", devices);
        }
        Authenticator authenticator = new Authenticator(config.instanceId(), config.auth().anonymous(), config.accessKeys(),
                deviceCredentials);
        RocksBanStore localBans = new RocksBanStore(store);
        bans = new BanList(clock, shared == null ? localBans : shared.bans(localBans));
        int banned = bans.load();
        if (banned > 0) {
            LOG.info("ban list: {} bans in force", banned);
        }
        if (shared != null) {
            shared.follow(new SharedChanges(bans, localBans, deviceCredentials, localDevices, sessions),
                    Duration.ofSeconds(30));
        }
        timer.scheduleWithFixedDelay(bans::sweep, 60, 60, TimeUnit.SECONDS);
        LoginGuard guard = new LoginGuard(config.auth(), bans, clock);
        AmqpServer.Access access = new AmqpServer.Access(guard, new Authorizer(config.authorization()), new LongAdder(),
                limitHits);
        // in a cluster a PUBACK (and a server SDK publisher confirm) also waits for the nodes a QoS 1/2 message was
        // routed to
        WriteBarrier published = nodeRoutes == null ? writer : WriteBarrier.then(writer, nodeRoutes.acks());
        MqttServices services = new MqttServices(config, authenticator, sessions, subscriptions, router, clock,
                access.authorizer(), access.deniedPublishes(), guard, limitHits, published);
        Gauge.builder(MetricNames.CONNECTIONS_ADMITTED, services.slots(), ConnectionSlots::admitted)
                .description("MQTT connections within mqtt.maxConnections, counted from their accept")
                .register(metrics.registry());
        FunctionCounter.builder(MetricNames.MESSAGES_DENIED, services.deniedPublishes(), LongAdder::sum)
                .description("publishes (MQTT and server SDK) not routed because authorization denied them").register(metrics.registry());
        mqttServer = register(new MqttServer(transport, services));
        bindGauges(metrics.registry(), sessionMap);
        register(sessions::shutdown);

        ListenersConfig listeners = config.listeners();
        tls = config.tls().enabled() ? TlsContexts.load(config.tls()) : null;
        if (tls != null) {
            timer.scheduleWithFixedDelay(tls::reloadIfChanged, TLS_RELOAD_SECONDS, TLS_RELOAD_SECONDS, TimeUnit.SECONDS);
        }
        int mqtt = listeners.mqtt().enabled() ? mqttServer.bindTcp(listeners.mqtt()) : -1;
        int ws = listeners.ws().enabled() ? mqttServer.bindWebSocket(listeners.ws()) : -1;
        int mqtts = tlsOn(tls, listeners.mqtts()) ? mqttServer.bindTcp(listeners.mqtts(),
                tls.forListener(listeners.mqtts(), ApplicationProtocol.MQTT)) : -1;
        // a WebSocket starts as an HTTP/1.1 upgrade
        int wss = tlsOn(tls, listeners.wss()) ? mqttServer.bindWebSocket(listeners.wss(),
                tls.forListener(listeners.wss(), ApplicationProtocol.HTTP_1_1)) : -1;
        int amqp = -1;
        int amqps = -1;
        int amqpThreads = 0;
        if (listeners.amqp().enabled() || tlsOn(tls, listeners.amqps())) {
            // a group of its own: backends keep receiving while MQTT work stalls the MQTT loops
            NettyTransport amqpTransport = register(new NettyTransport("pulsemq-amqp", loops.amqpThreads(cores)));
            amqpThreads = amqpTransport.threads();
            AmqpServer amqpServer = register(AmqpServer.create(config, amqpTransport, statusLog, store, writer, published,
                    router, clock,
                    Main.Version.number(), access));
            FunctionCounter.builder(MetricNames.AMQP_QUEUE_FAILURES, amqpServer, AmqpServer::queueFailures)
                    .description("server SDK queue tasks that failed (each logged)").register(metrics.registry());
            bindPauses(metrics.registry(), "amqp", amqpServer.pauses());
            amqp = listeners.amqp().enabled() ? amqpServer.bind(listeners.amqp()) : -1;
            amqps = tlsOn(tls, listeners.amqps()) ? amqpServer.bind(listeners.amqps(),
                    tls.forListener(listeners.amqps(), ApplicationProtocol.NONE)) : -1;
        }
        HealthChecks health = new HealthChecks(statusLog, writer);
        int http = -1;
        int https = -1;
        int httpThreads = 0;
        ListenerConfig httpListener = listeners.http();
        if (httpListener.enabled() || tlsOn(tls, listeners.https())) {
            // a group of its own: /health and the API answer while MQTT work stalls the MQTT loops
            NettyTransport httpTransport = register(new NettyTransport("pulsemq-http", loops.httpThreads(cores)));
            httpThreads = httpTransport.threads();
            StatusApi api = register(new StatusApi(config, presence, barrier, statusLog, sessions, clock, guard,
                    deviceCredentials, limitHits));
            Gauge.builder(MetricNames.HTTP_STREAMS, api, StatusApi::openStreams)
                    .description("open status event streams (SSE)").register(metrics.registry());
            HttpServer.Limits httpLimits = HttpServer.Limits.of(config.http());
            HttpRoutes routes = httpRoutes = health.register(api.register(new HttpRoutes().observe(metrics::httpRequest)))
                    .get("/metrics", api.guarded(config.http().publicMetrics(), RouteHandler.of(request ->
                            HttpResponse.text(200, PROMETHEUS_TEXT, metrics.scrape()))))
                    .get(StatusApi.PREFIX + "/cluster", api.guarded(false, request -> clusterStatus()));
            if (httpListener.enabled()) {
                http = register(HttpServer.start(httpListener, httpTransport, routes, httpLimits, null, limitHits)).port();
            }
            if (tlsOn(tls, listeners.https())) {
                https = register(HttpServer.start(listeners.https(), httpTransport, routes, httpLimits,
                        tls.forListener(listeners.https(), ApplicationProtocol.HTTP_1_1), limitHits)).port();
            }
        }
        ports = new BoundPorts(mqtt, ws, http, amqp, mqtts, wss, https, amqps);
        health.started();
        LOG.info("PulseMQ {} ({}) serving: mqtt={} ws={} http={} amqp={} mqtts={} wss={} https={} amqps={} (epoll={}, "
                        + "event loops mqtt={} http={} amqp={}, data={})",
                config.instanceId(), config.node(), mqtt, ws, http, amqp, mqtts, wss, https, amqps,
                transport.nativeEpoll(), transport.threads(), httpThreads, amqpThreads, config.dataDir().toAbsolutePath());
    }

    /** {@code GET /api/v1/cluster}: this node's view of the cluster ({@code engine: none} on one node). */
    private CompletionStage<HttpResponse> clusterStatus() {
        if (cluster == null) {
            Map<String, Object> single = new LinkedHashMap<>();
            single.put("node", config.node());
            single.put("engine", "none");
            single.put("nodes", List.of(Map.of("node", config.node(), "self", true, "alive", true,
                    "onlineClients", presence.onlineCount())));
            return CompletableFuture.completedFuture(HttpResponse.json(200, single));
        }
        return cluster.status().thenApply(status -> HttpResponse.json(200, status));
    }

    /** Whether a TLS listener is bound: a certificate is configured and the listener is switched on. */
    private static boolean tlsOn(TlsContexts tls, ListenerConfig listener) {
        return tls != null && listener.enabled();
    }

    private void bindGauges(MeterRegistry registry, Map<String, Session> sessionMap) {
        Gauge.builder(MetricNames.CONNECTIONS, mqttServer, MqttServer::openConnections)
                .description("open MQTT network connections").register(registry);
        bindPauses(registry, "mqtt", mqttServer.pauses());
        Gauge.builder(MetricNames.SESSIONS, sessionMap, Map::size).description("sessions").register(registry);
        Gauge.builder(MetricNames.CLIENTS_ONLINE, presence, PresenceRegistry::onlineCount)
                .description("clients whose latest status event is connect").register(registry);
        Gauge.builder(MetricNames.CLIENTS_KNOWN, presence, PresenceRegistry::size)
                .description("client IDs the status log has seen").register(registry);
        Gauge.builder(MetricNames.STATUS_LOG_OFFSET, statusLog, StatusLog::lastOffset)
                .description("offset of the newest durable status event").register(registry);
        Gauge.builder(MetricNames.STATUS_LOG_WRITABLE, statusLog, log -> log.unavailable().isEmpty() ? 1 : 0)
                .description("1 while the status log can write and connections are accepted").register(registry);
        if (embeddedLog != null) {
            FunctionCounter.builder(MetricNames.STATUS_LOG_WRITE_FAILURES, embeddedLog, RocksStatusLog::writeFailures)
                    .description("status log writes that failed (each retry counts)").register(registry);
        }
        FunctionCounter.builder(MetricNames.MESSAGES_PUBLISHED, router, Router::publishedCount)
                .description("application messages published").register(registry);
        FunctionCounter.builder(MetricNames.MESSAGES_DELIVERED, router, Router::deliveredCount)
                .description("deliveries handed to sessions").register(registry);
        FunctionCounter.builder(MetricNames.MESSAGES_DROPPED, router, Router::droppedCount)
                .description("deliveries dropped").register(registry);
    }

    private static void bindPauses(MeterRegistry registry, String protocol, ReadPauses pauses) {
        Gauge.builder(MetricNames.CONNECTIONS_PAUSED, pauses, ReadPauses::pausedNow).tag("protocol", protocol)
                .description("connections not read while their outbound buffer is above its high-water mark")
                .register(registry);
        FunctionCounter.builder(MetricNames.CONNECTION_PAUSES, pauses, ReadPauses::pausesTotal).tag("protocol", protocol)
                .description("backpressure pauses of connections (outbound buffer above its high-water mark)")
                .register(registry);
    }

    private <T extends AutoCloseable> T register(T closeable) {
        closeables.push(closeable);
        return closeable;
    }

    /**
     * Reloads the TLS certificate, key and CA files now, whether or not they look changed (on SIGHUP), on the
     * timer thread that also checks them every {@value #TLS_RELOAD_SECONDS} s. Returns at once; the outcome is
     * logged.
     *
     * @return false when there is nothing to reload: no TLS configured, or the broker is closed
     */
    public boolean reloadCertificates() {
        if (tls == null) {
            return false;
        }
        try {
            timer.execute(tls::reload);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closing
        }
    }

    /**
     * The routes every HTTP listener serves (API, health, metrics); null when no HTTP listener is bound. For
     * in-process harnesses that drive the HTTP pipeline without a socket (fuzzing).
     */
    public HttpRoutes httpRoutes() {
        return httpRoutes;
    }

    /** The ports the listeners bound. */
    public BoundPorts ports() {
        return ports;
    }

    /** The session registry: who is connected, kick. */
    public SessionRegistry sessions() {
        return sessions;
    }

    /** Who is online, from memory. */
    public PresenceRegistry presence() {
        return presence;
    }

    /** The durable status log: embedded, or the cluster's stream. */
    public StatusLog statusLog() {
        return statusLog;
    }

    /**
     * The embedded status log, for what only it offers (retention on demand, reads by offset).
     *
     * @throws IllegalStateException in cluster mode
     */
    public RocksStatusLog embeddedStatusLog() {
        if (embeddedLog == null) {
            throw new IllegalStateException("cluster mode: the status log is the cluster's JetStream stream");
        }
        return embeddedLog;
    }

    /** This node's part of the cluster, or null in single-node mode. */
    public ClusterNode cluster() {
        return cluster;
    }

    /** The ban list (operator bans and the login guard's automatic ones). */
    public BanList bans() {
        return bans;
    }

    /** The router, for publishing from inside the broker. */
    public Router router() {
        return router;
    }

    /** The configuration this broker runs with. */
    public BrokerConfig config() {
        return config;
    }

    /** Stops gracefully: every connection ends with {@code server_shutdown}; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mqttServer != null) {
            mqttServer.stopAccepting();
        }
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}", c, e);
            }
        }
        LOG.info("PulseMQ stopped");
    }
}
