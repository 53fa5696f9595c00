package io.pulsemq.it;

import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AmqpConfig;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.HttpConfig;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.TlsConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;
import io.pulsemq.broker.session.LifecycleListener;

import org.awaitility.Awaitility;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A broker running in-process on loopback, every port 0, with its own data directory. Restartable
 * on the same directory, to test what survives a restart.
 */
public final class BrokerFixture implements AutoCloseable {

    static {
        // Waits end as soon as their condition holds; the limit only bounds a broken run. It is generous
        // because CI shares two cores and every connect waits for an fsync.
        Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
    }

    /** The admin key every fixture broker knows. */
    public static final AccessKey ADMIN = new AccessKey("AK_TEST_ADMIN", "test-admin-secret", AccessKey.Role.ADMIN, List.of("*"));
    /** A device key limited to the group GID_car. */
    public static final AccessKey CAR_DEVICE = new AccessKey("AK_TEST_CAR", "car-device-secret", AccessKey.Role.DEVICE,
            List.of("GID_car"), List.of("GID_car@@@*"));
    /** A device key bound to the client IDs of one device, {@code GID_car@@@vin1} (and its {@code -suffix}es). */
    public static final AccessKey VIN1_DEVICE = new AccessKey("AK_TEST_VIN1", "vin1-device-secret",
            AccessKey.Role.DEVICE, List.of("GID_car"), List.of("GID_car@@@vin1", "GID_car@@@vin1-*"));
    /** A server (backend) key, for the HTTP API and the server SDK, limited to the groups starting with GID_car. */
    public static final AccessKey CAR_SERVER = new AccessKey("AK_TEST_CAR_SERVER", "car-server-secret",
            AccessKey.Role.SERVER, List.of("GID_car*"));

    private final BrokerConfig config;
    private final LifecycleListener listener;
    private final Clock clock;
    private Broker broker;

    private BrokerFixture(BrokerConfig config, LifecycleListener listener, Clock clock) {
        this.config = config;
        this.listener = listener;
        this.clock = clock;
    }

    /** Starts a broker with the default limits. */
    public static BrokerFixture start() throws Exception {
        return start(UnaryOperator.identity(), LifecycleListener.NONE);
    }

    /** Starts a broker after {@code customize} adjusts its configuration. */
    public static BrokerFixture start(UnaryOperator<BrokerConfig> customize) throws Exception {
        return start(customize, LifecycleListener.NONE);
    }

    /** Starts a broker with a customized configuration and a lifecycle listener. */
    public static BrokerFixture start(UnaryOperator<BrokerConfig> customize, LifecycleListener listener) throws Exception {
        return start(customize, listener, Clock.systemUTC());
    }

    /** Starts a broker whose time is {@code clock}, for tests that let broker time pass. */
    public static BrokerFixture start(UnaryOperator<BrokerConfig> customize, LifecycleListener listener, Clock clock)
            throws Exception {
        Path dir = Files.createTempDirectory("pulsemq-it-");
        BrokerFixture f = new BrokerFixture(customize.apply(defaultConfig(dir)), listener, clock);
        f.broker = Broker.start(f.config, listener, clock);
        return f;
    }

    /** The defaults of config/pulsemq.yaml, on loopback with ephemeral ports. */
    public static BrokerConfig defaultConfig(Path dataDir) {
        MqttConfig mqtt = new MqttConfig(1024 * 1024, 100, 100, 1000, 16, Duration.ofDays(7), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
        return new BrokerConfig("pulsemq-local", "node-1", dataDir, ListenersConfig.loopbackEphemeral(),
                new AuthConfig(AuthConfig.AnonymousPolicy.LOOPBACK), List.of(ADMIN, CAR_DEVICE, CAR_SERVER, VIN1_DEVICE), mqtt,
                new ClientIdsConfig(false), new StatusLogConfig(Duration.ofDays(7)).withMinFreeDisk(0));
    }

    /** A customization: the broker accepts packets of at most {@code bytes} and announces it. */
    public static UnaryOperator<BrokerConfig> maxPacketSize(int bytes) {
        return c -> withMqtt(c, bytes, c.mqtt().maxQueuedMessages(), c.mqtt().maxKeepAlive(), c.mqtt().connectTimeout());
    }

    /** A customization: at most {@code n} messages queued per offline session. */
    public static UnaryOperator<BrokerConfig> maxQueuedMessages(int n) {
        return c -> withMqtt(c, c.mqtt().maxPacketSize(), n, c.mqtt().maxKeepAlive(), c.mqtt().connectTimeout());
    }

    /** A customization: keep-alive is capped at {@code max} (v5 clients asking for more get Server Keep Alive). */
    public static UnaryOperator<BrokerConfig> maxKeepAlive(Duration max) {
        return c -> withMqtt(c, c.mqtt().maxPacketSize(), c.mqtt().maxQueuedMessages(), max, c.mqtt().connectTimeout());
    }

    /** A customization: clients may have at most {@code max} QoS 1/2 PUBLISHes unacknowledged (announced to v5). */
    public static UnaryOperator<BrokerConfig> receiveMaximum(int max) {
        return c -> {
            MqttConfig m = c.mqtt();
            return c.withMqtt(withResourceLimitsOf(m, new MqttConfig(m.maxPacketSize(), max, m.maxInflight(),
                    m.maxQueuedMessages(), m.topicAliasMaximum(), m.maxSessionExpiry(), m.maxKeepAlive(),
                    m.connectTimeout(), m.maxTopicLevels(), m.retainAvailable(), m.wildcardSubscriptionAvailable(),
                    m.sharedSubscriptionAvailable(), m.allowZeroKeepAlive())));
        };
    }

    /** A customization: keep-alive capped at {@code max}, and whether a client may ask for 0 (no timeout). */
    public static UnaryOperator<BrokerConfig> keepAlive(Duration max, boolean allowZero) {
        return c -> c.withMqtt(c.mqtt().withKeepAlive(max, allowZero));
    }

    /** A customization: a new connection has {@code timeout} to send CONNECT. */
    public static UnaryOperator<BrokerConfig> connectTimeout(Duration timeout) {
        return c -> withMqtt(c, c.mqtt().maxPacketSize(), c.mqtt().maxQueuedMessages(), c.mqtt().maxKeepAlive(), timeout);
    }

    /** {@code c} with the MQTT limits the customizations adjust replaced, the others kept. */
    private static BrokerConfig withMqtt(BrokerConfig c, int maxPacketSize, int maxQueuedMessages, Duration maxKeepAlive,
                                         Duration connectTimeout) {
        MqttConfig m = c.mqtt();
        return c.withMqtt(withResourceLimitsOf(m, new MqttConfig(maxPacketSize, m.receiveMaximum(), m.maxInflight(),
                maxQueuedMessages, m.topicAliasMaximum(), m.maxSessionExpiry(), maxKeepAlive, connectTimeout,
                m.maxTopicLevels(), m.retainAvailable(), m.wildcardSubscriptionAvailable(),
                m.sharedSubscriptionAvailable(), m.allowZeroKeepAlive())));
    }

    /** {@code to} with the resource limits (connections, rates, topics, stored messages) of {@code from}. */
    private static MqttConfig withResourceLimitsOf(MqttConfig from, MqttConfig to) {
        return to.withConnectionLimits(from.maxConnections(), from.maxConnectionsPerAddress(), from.connectRate(),
                        from.connectBurst())
                .withPublishRates(from.maxPublishRate(), from.maxPublishBytesRate())
                .withTopicLimits(from.maxSubscriptionsPerClient(), from.maxTopicLength(), to.maxTopicLevels())
                .withStorageLimits(from.maxRetainedMessages(), from.maxRetainedBytes(), to.maxQueuedMessages(),
                        from.maxQueuedBytes());
    }

    /** A customization of the MQTT section, e.g. {@code mqtt(m -> m.withConnectionLimits(2, 0, 0, 0))}. */
    public static UnaryOperator<BrokerConfig> mqtt(UnaryOperator<MqttConfig> change) {
        return c -> c.withMqtt(change.apply(c.mqtt()));
    }

    /** A customization of the HTTP section, e.g. {@code http(h -> h.withStreamLimits(2, 1))}. */
    public static UnaryOperator<BrokerConfig> http(UnaryOperator<HttpConfig> change) {
        return c -> c.withHttp(change.apply(c.http()));
    }

    /** A customization of the server SDK endpoint's section. */
    public static UnaryOperator<BrokerConfig> amqp(UnaryOperator<AmqpConfig> change) {
        return c -> c.withAmqp(change.apply(c.amqp()));
    }

    /** A customization: a server SDK connection may use at most {@code n} queues (status groups, parent topics). */
    public static UnaryOperator<BrokerConfig> maxQueuesPerConnection(int n) {
        return amqp(a -> a.withConnectionLimits(n, a.maxConsumersPerConnection(), a.maxUnackedPerConnection()));
    }

    /** A customization: MQTT topic authorization rules. */
    public static UnaryOperator<BrokerConfig> authorization(AuthorizationConfig rules) {
        return c -> c.withAuthorization(rules);
    }

    /** A customization: who may connect without credentials. */
    public static UnaryOperator<BrokerConfig> anonymous(AuthConfig.AnonymousPolicy policy) {
        return c -> c.withAuth(new AuthConfig(policy, c.auth().loginThrottle(), c.auth().flapping()));
    }

    /** A customization: the MQTT TCP listener expects a PROXY protocol header first. */
    public static UnaryOperator<BrokerConfig> proxyProtocolOnMqtt() {
        return c -> {
            ListenersConfig l = c.listeners();
            return c.withListeners(new ListenersConfig(proxied(l.mqtt()), l.ws(), l.http(), l.amqp(), l.mqtts(),
                    l.wss(), l.https(), l.amqps()));
        };
    }

    /** A customization: the HTTP listener expects a PROXY protocol header first. */
    public static UnaryOperator<BrokerConfig> proxyProtocolOnHttp() {
        return c -> {
            ListenersConfig l = c.listeners();
            return c.withListeners(new ListenersConfig(l.mqtt(), l.ws(), proxied(l.http()), l.amqp(), l.mqtts(),
                    l.wss(), l.https(), l.amqps()));
        };
    }

    private static ListenerConfig proxied(ListenerConfig l) {
        return new ListenerConfig(l.host(), l.port(), l.path(), true, l.clientAuth(), l.allowedOrigins());
    }

    /** A customization: the WebSocket listener allows these browser origins. */
    public static UnaryOperator<BrokerConfig> allowedOrigins(String... origins) {
        return c -> {
            ListenersConfig l = c.listeners();
            ListenerConfig ws = l.ws();
            return c.withListeners(new ListenersConfig(l.mqtt(), new ListenerConfig(ws.host(), ws.port(), ws.path(),
                    ws.proxyProtocol(), ws.clientAuth(), List.of(origins)), l.http(), l.amqp(), l.mqtts(), l.wss(),
                    l.https(), l.amqps()));
        };
    }

    /** A customization: failed logins are throttled and banned as {@code throttle} says. */
    public static UnaryOperator<BrokerConfig> loginThrottle(AuthConfig.LoginThrottle throttle) {
        return c -> c.withAuth(c.auth().withLoginThrottle(throttle));
    }

    /**
     * A customization: failed logins are neither delayed nor banned, for tests of refusal codes that fail many
     * logins from the one loopback address (throttling itself is LoginGuardIT's subject).
     */
    public static UnaryOperator<BrokerConfig> noLoginThrottle() {
        return loginThrottle(new AuthConfig.LoginThrottle(Integer.MAX_VALUE / 2, Duration.ZERO, Duration.ZERO,
                Duration.ofMinutes(10), 0, Duration.ofMinutes(15)));
    }

    /** A customization: flapping detection on, {@code maxConnects} per minute, a 5-minute ban. */
    public static UnaryOperator<BrokerConfig> flapping(int maxConnects) {
        return c -> c.withAuth(c.auth().withFlapping(new AuthConfig.Flapping(true, maxConnects, Duration.ofMinutes(1),
                Duration.ofMinutes(5))));
    }

    /** A customization: {@code /metrics} and the OpenAPI document answer without credentials. */
    public static UnaryOperator<BrokerConfig> publicMetricsAndOpenApi() {
        return c -> c.withHttp(c.http().withAccess(true, true));
    }

    /** The hits of the limit named by its configuration key, as {@code /metrics} reports them. */
    public double limitHits(String key) {
        String prefix = "pulsemq_limit_hits_total{limit=\"" + key + "\"} ";
        String text = new ApiClient(httpPort()).get("/metrics", ADMIN).body();
        return text.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no metric line " + prefix));
    }

    /**
     * A customization: TLS with {@code pki}'s server certificate on every TLS listener, client certificates
     * trusted from its CA and asked for as {@code clientAuth} says.
     */
    public static UnaryOperator<BrokerConfig> tls(TestPki pki, TlsConfig.ClientAuth clientAuth) {
        return c -> c.withTls(new TlsConfig(pki.certFile().toString(), pki.keyFile().toString(),
                pki.caFile().toString(), clientAuth, false));
    }

    /** A customization (after {@link #tls}): {@code tls.bindClientId} on. */
    public static UnaryOperator<BrokerConfig> bindClientId() {
        return c -> c.withTls(c.tls().withBindClientId(true));
    }

    /** A customization: the {@code mqtts} listener asks for client certificates as {@code clientAuth} says. */
    public static UnaryOperator<BrokerConfig> mqttsClientAuth(TlsConfig.ClientAuth clientAuth) {
        return c -> {
            ListenersConfig l = c.listeners();
            ListenerConfig m = l.mqtts();
            return c.withListeners(new ListenersConfig(l.mqtt(), l.ws(), l.http(), l.amqp(),
                    new ListenerConfig(m.host(), m.port(), m.path(), m.proxyProtocol(), clientAuth, m.allowedOrigins()),
                    l.wss(), l.https(), l.amqps()));
        };
    }

    /** Stops the broker gracefully and starts it again on the same data directory. */
    public void restart() throws Exception {
        broker.close();
        broker = Broker.start(config, listener, clock);
    }

    /**
     * Stops the broker gracefully and starts it again on the same data directory and the same ports, so
     * clients that reconnect by themselves (the server SDK) find it again.
     */
    public void restartOnSamePorts() throws Exception {
        ListenersConfig l = config.listeners();
        BrokerConfig same = config.withListeners(new ListenersConfig(l.mqtt().withPort(mqttPort()),
                l.ws().withPort(wsPort()), l.http().withPort(httpPort()), l.amqp().withPort(amqpPort()),
                l.mqtts(), l.wss(), l.https(), l.amqps()));
        broker.close();
        broker = Broker.start(same, listener, Clock.systemUTC());
    }

    public Broker broker() {
        return broker;
    }

    public BrokerConfig config() {
        return config;
    }

    public int mqttPort() {
        return broker.ports().mqtt();
    }

    public int wsPort() {
        return broker.ports().ws();
    }

    public int httpPort() {
        return broker.ports().http();
    }

    /** The server SDK (AMQP) port. */
    public int amqpPort() {
        return broker.ports().amqp();
    }

    /** The ports of every listener, the TLS ones included. */
    public BoundPorts ports() {
        return broker.ports();
    }

    /** {@code tcp://127.0.0.1:<port>} for Paho. */
    public String tcpUri() {
        return "tcp://127.0.0.1:" + mqttPort();
    }

    /** {@code ws://127.0.0.1:<port>/mqtt} for Paho. */
    public String wsUri() {
        return "ws://127.0.0.1:" + wsPort() + "/mqtt";
    }

    @Override
    public void close() {
        broker.close();
    }
}
