package io.pulsemq.broker.mqtt;

import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.subscription.SubscriptionTrie;

import java.time.Clock;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker services every MQTT connection uses; built once by the composition root.
 *
 * @param config          the broker configuration
 * @param authenticator   decides CONNECTs
 * @param sessions        owns connection lifecycles and sessions
 * @param subscriptions   the subscription index
 * @param router          routes publishes and retained messages
 * @param clock           the broker's clock
 * @param authorizer      derives each connection's topic permissions at CONNECT
 * @param deniedPublishes counts PUBLISHes that authorization kept from being routed, from any event loop
  * @param guard           login throttling, bans and flapping detection
 */
public record MqttServices(
        BrokerConfig config,
        Authenticator authenticator,
        SessionRegistry sessions,
        SubscriptionTrie subscriptions,
        Router router,
        Clock clock,
        Authorizer authorizer,
        LongAdder deniedPublishes,
        LoginGuard guard) {

    /** Services with the authorizer the configuration describes, a counter and a login guard of their own. */
    public MqttServices(BrokerConfig config, Authenticator authenticator, SessionRegistry sessions,
                        SubscriptionTrie subscriptions, Router router, Clock clock) {
        this(config, authenticator, sessions, subscriptions, router, clock, new Authorizer(config.authorization()),
                new LongAdder(), new LoginGuard(config.auth(), new BanList(clock), clock));
    }
}
