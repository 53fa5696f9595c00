package io.pulsemq.broker.mqtt;

import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.subscription.SubscriptionTrie;

import java.time.Clock;

/**
 * The broker services every MQTT connection uses; built once by the composition root.
 *
 * @param config        the broker configuration
 * @param authenticator decides CONNECTs
 * @param sessions      owns connection lifecycles and sessions
 * @param subscriptions the subscription index
 * @param router        routes publishes and retained messages
 * @param clock         the broker's clock
 */
public record MqttServices(
        BrokerConfig config,
        Authenticator authenticator,
        SessionRegistry sessions,
        SubscriptionTrie subscriptions,
        Router router,
        Clock clock) {
}
