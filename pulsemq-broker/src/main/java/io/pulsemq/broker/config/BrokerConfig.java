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
        AmqpConfig amqp) {

    public BrokerConfig {
        accessKeys = accessKeys == null ? List.of() : List.copyOf(accessKeys);
        amqp = amqp == null ? AmqpConfig.defaults() : amqp;
    }

    /** A configuration with the default AMQP endpoint settings. */
    public BrokerConfig(String instanceId, String node, Path dataDir, ListenersConfig listeners, AuthConfig auth,
                        List<AccessKey> accessKeys, MqttConfig mqtt, ClientIdsConfig clientIds,
                        StatusLogConfig statusLog) {
        this(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, AmqpConfig.defaults());
    }

    /** A copy with another data directory. */
    public BrokerConfig withDataDir(Path dir) {
        return new BrokerConfig(instanceId, node, dir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, amqp);
    }

    /** A copy with other access keys. */
    public BrokerConfig withAccessKeys(List<AccessKey> keys) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, keys, mqtt, clientIds, statusLog, amqp);
    }

    /** A copy with other listeners. */
    public BrokerConfig withListeners(ListenersConfig l) {
        return new BrokerConfig(instanceId, node, dataDir, l, auth, accessKeys, mqtt, clientIds, statusLog, amqp);
    }

    /** A copy with another authentication policy. */
    public BrokerConfig withAuth(AuthConfig a) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, a, accessKeys, mqtt, clientIds, statusLog, amqp);
    }

    /** A copy with other AMQP endpoint settings. */
    public BrokerConfig withAmqp(AmqpConfig a) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, mqtt, clientIds, statusLog, a);
    }

    /** A copy with other MQTT limits. */
    public BrokerConfig withMqtt(MqttConfig m) {
        return new BrokerConfig(instanceId, node, dataDir, listeners, auth, accessKeys, m, clientIds, statusLog, amqp);
    }
}
