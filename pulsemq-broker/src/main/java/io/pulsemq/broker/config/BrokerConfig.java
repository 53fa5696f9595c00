package io.pulsemq.broker.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole broker configuration, as read from {@code config/pulsemq.yaml}, the built-in
 * defaults and {@code PULSEMQ_*} environment overrides. Immutable; every section is a record.
 *
 * @param instanceId  the deployment's instance ID (ApsaraMQ signature mode checks it)
 * @param node        this node's name, written into status events
 * @param dataDir     where every durable byte lives
 * @param listeners   network listeners
 * @param auth        device authentication policy
 * @param accessKeys  configured access keys; empty means "generate one on first start"
 * @param mqtt        MQTT protocol limits
 * @param clientIds   client identifier policy
 * @param statusLog   status log retention
 * @param amqp        the server SDK endpoint (AMQP 0-9-1)
 * @param tls         certificates of the TLS listeners
 * @param authorization MQTT topic authorization rules
 * @param http        the HTTP API's settings
 * @param eventLoops  event-loop threads per protocol family
 * @param cluster     cluster mode (off by default)
 */
public record BrokerConfig(
        String instanceId,
        String node,
        Path dataDir,
        ListenersConfig listeners,
        AuthConfig auth,
        List<AccessKey> accessKeys,
        MqttConfig mqtt,
        ClientIdsConfig clientIds,
        StatusLogConfig statusLog,
        AmqpConfig amqp,
        TlsConfig tls,
        AuthorizationConfig authorization,
        HttpConfig http,
        EventLoopsConfig eventLoops,
        ClusterConfig cluster) {

    public BrokerConfig {
        accessKeys = accessKeys == null ? List.of() : List.copyOf(accessKeys);
        amqp = amqp == null ? AmqpConfig.defaults() : amqp;
        tls = tls == null ? TlsConfig.none() : tls;
        authorization = authorization == null ? AuthorizationConfig.allowAll() : authorization;
        http = http == null ? HttpConfig.defaults() : http;
        eventLoops = eventLoops == null ? EventLoopsConfig.defaults() : eventLoops;
        cluster = cluster == null ? ClusterConfig.none() : cluster;
    }

    /** A configuration without cluster mode. */
    public BrokerConfig(String instanceId, String node, Path dataDir, ListenersConfig listeners, AuthConfig auth,
                        List<AccessKey> accessKeys, MqttConfig mqtt, ClientIdsConfig clientIds,
                        StatusLogConfig statusLog, AmqpConfig amqp, TlsConfig tls, AuthorizationConfig authorization,
                        HttpConfig http, EventLoopsConfig eventLoops) {
        this(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp, tls,
                authorization, http, eventLoops, ClusterConfig.none());
    }

    /** A configuration with the default AMQP endpoint, TLS, authorization, HTTP and event-loop settings. */
    public BrokerConfig(String instanceId, String node, Path dataDir, ListenersConfig listeners, AuthConfig auth,
                        List<AccessKey> accessKeys, MqttConfig mqtt, ClientIdsConfig clientIds,
                        StatusLogConfig statusLog) {
        this(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, AmqpConfig.defaults(),
                TlsConfig.none(), AuthorizationConfig.allowAll(), HttpConfig.defaults(), EventLoopsConfig.defaults());
    }

    /** A copy with another data directory. */
    public BrokerConfig withDataDir(Path dir) {
        return new BrokerConfig(instanceId, node, dir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other access keys. */
    public BrokerConfig withAccessKeys(List<AccessKey> keys) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, keys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other listeners. */
    public BrokerConfig withListeners(ListenersConfig l) {
        return new BrokerConfig(instanceId, node, dataDir, l, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with another authentication policy. */
    public BrokerConfig withAuth(AuthConfig a) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, a, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other AMQP endpoint settings. */
    public BrokerConfig withAmqp(AmqpConfig a) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, a,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other MQTT limits. */
    public BrokerConfig withMqtt(MqttConfig m) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, m, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other TLS settings. */
    public BrokerConfig withTls(TlsConfig t) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                t, authorization, http, eventLoops, cluster);
    }

    /** A copy with other authorization rules. */
    public BrokerConfig withAuthorization(AuthorizationConfig a) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, a, http, eventLoops, cluster);
    }

    /** A copy with other status log settings. */
    public BrokerConfig withStatusLog(StatusLogConfig s) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, s, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other event-loop thread counts. */
    public BrokerConfig withEventLoops(EventLoopsConfig e) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, e, cluster);
    }

    /** A copy with other HTTP API settings. */
    public BrokerConfig withHttp(HttpConfig h) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, h, eventLoops, cluster);
    }

    /** A copy with another node name. */
    public BrokerConfig withNode(String n) {
        return new BrokerConfig(instanceId, n, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, cluster);
    }

    /** A copy with other cluster settings. */
    public BrokerConfig withCluster(ClusterConfig c) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp,
                tls, authorization, http, eventLoops, c);
    }
}
