package io.pulsemq.it;

import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.MqttConfig;

import java.time.Duration;
import java.util.function.UnaryOperator;

/** Fixture customizations of the MQTT limits (MqttConfig has no copy methods of its own). */
final class Limits {

    private Limits() {
    }

    /** The broker accepts packets of at most {@code bytes} and announces it. */
    static UnaryOperator<BrokerConfig> maxPacketSize(int bytes) {
        return c -> {
            MqttConfig m = c.mqtt();
            return c.withMqtt(new MqttConfig(bytes, m.receiveMaximum(), m.maxInflight(), m.maxQueuedMessages(),
                    m.topicAliasMaximum(), m.maxSessionExpiry(), m.maxKeepAlive(), m.connectTimeout(),
                    m.maxTopicLevels(), m.retainAvailable(), m.wildcardSubscriptionAvailable(),
                    m.sharedSubscriptionAvailable()));
        };
    }

    /** The broker caps keep-alive at {@code max} (v5 clients asking for more get Server Keep Alive). */
    static UnaryOperator<BrokerConfig> maxKeepAlive(Duration max) {
        return c -> {
            MqttConfig m = c.mqtt();
            return c.withMqtt(new MqttConfig(m.maxPacketSize(), m.receiveMaximum(), m.maxInflight(),
                    m.maxQueuedMessages(), m.topicAliasMaximum(), m.maxSessionExpiry(), max, m.connectTimeout(),
                    m.maxTopicLevels(), m.retainAvailable(), m.wildcardSubscriptionAvailable(),
                    m.sharedSubscriptionAvailable()));
        };
    }
}
