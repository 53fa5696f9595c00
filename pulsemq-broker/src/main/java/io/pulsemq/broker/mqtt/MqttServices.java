package io.pulsemq.broker.mqtt;

import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.limits.ConnectionSlots;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.limits.RateLimiter;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.store.WriteBarrier;
import io.pulsemq.broker.subscription.SubscriptionTrie;

import java.net.InetAddress;
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
 * @param slots           connections against {@code mqtt.maxConnections} and {@code mqtt.maxConnectionsPerAddress},
 *                        counted from their accept and shared by every MQTT listener
 * @param connectRate     CONNECTs per second over every MQTT listener ({@code mqtt.connectRate})
 * @param limitHits       counts every limit a connection runs into
 * @param writes          the store's writes, which acknowledgements wait for ({@link WriteBarrier#NONE} without a
 *                        store)
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
        LoginGuard guard,
        ConnectionSlots<InetAddress> slots,
        RateLimiter connectRate,
        LimitHits limitHits,
        WriteBarrier writes) {

    /** Services with the authorizer the configuration describes, a counter and a login guard of their own. */
    public MqttServices(BrokerConfig config, Authenticator authenticator, SessionRegistry sessions,
                        SubscriptionTrie subscriptions, Router router, Clock clock) {
        this(config, authenticator, sessions, subscriptions, router, clock, new Authorizer(config.authorization()),
                new LongAdder(), new LoginGuard(config.auth(), new BanList(clock), clock), new LimitHits());
    }

    /** Services without a store behind the sessions ({@link WriteBarrier#NONE}). */
    public MqttServices(BrokerConfig config, Authenticator authenticator, SessionRegistry sessions,
                        SubscriptionTrie subscriptions, Router router, Clock clock, Authorizer authorizer,
                        LongAdder deniedPublishes, LoginGuard guard, LimitHits limitHits) {
        this(config, authenticator, sessions, subscriptions, router, clock, authorizer, deniedPublishes, guard,
                limitHits, WriteBarrier.NONE);
    }

    /** Services with connection slots and a connect rate limiter as {@code config.mqtt()} describes. */
    public MqttServices(BrokerConfig config, Authenticator authenticator, SessionRegistry sessions,
                        SubscriptionTrie subscriptions, Router router, Clock clock, Authorizer authorizer,
                        LongAdder deniedPublishes, LoginGuard guard, LimitHits limitHits, WriteBarrier writes) {
        this(config, authenticator, sessions, subscriptions, router, clock, authorizer, deniedPublishes, guard,
                slotsFor(config.mqtt()), RateLimiter.perSecond(config.mqtt().connectRate(), config.mqtt().connectBurst()),
                limitHits, writes);
    }

    private static ConnectionSlots<InetAddress> slotsFor(MqttConfig m) {
        return new ConnectionSlots<>(m.maxConnections(), m.maxConnectionsPerAddress());
    }
}
