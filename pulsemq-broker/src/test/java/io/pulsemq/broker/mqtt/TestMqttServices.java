package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.InMemorySessionStore;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.transport.ProxyProtocol;
import io.pulsemq.broker.transport.ReadPauses;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/**
 * A broker's MQTT side in memory for pipeline tests: the real {@link MqttConnection}, session registry, router and
 * subscription trie, with in-memory stores, anonymous loopback clients, and an {@link EmbeddedChannel} per
 * connection whose peer is {@code 127.0.0.1}.
 */
final class TestMqttServices {

    private TestMqttServices() {
    }

    /** Services with {@code maxPacket} as {@code mqtt.maxPacketSize} and production values otherwise. */
    static MqttServices create(ScheduledExecutorService timer, int maxPacket) {
        return create(timer, maxPacket, UnaryOperator.identity());
    }

    /** Services as {@link #create(ScheduledExecutorService, int)} makes them, with {@code mqttChange} applied. */
    static MqttServices create(ScheduledExecutorService timer, int maxPacket, UnaryOperator<MqttConfig> mqttChange) {
        MqttConfig mqtt = mqttChange.apply(new MqttConfig(maxPacket, 100, 100, 1000, 16, Duration.ofDays(1),
                Duration.ofSeconds(65535), Duration.ofSeconds(10), 32, true, true, true));
        BrokerConfig config = new BrokerConfig("test", "node-1", Path.of("unused"), ListenersConfig.loopbackEphemeral(),
                new AuthConfig(AuthConfig.AnonymousPolicy.LOOPBACK), List.of(), mqtt, new ClientIdsConfig(false),
                new StatusLogConfig(Duration.ofDays(7)));
        SubscriptionTrie trie = new SubscriptionTrie();
        ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
        Clock clock = Clock.systemUTC();
        Router router = new Router(trie, new InMemoryRetainedStore(), map::get, clock);
        SessionRegistry registry = new SessionRegistry(map, trie, new InMemorySessionStore(), router::publish,
                LifecycleListener.NONE, timer, clock, mqtt);
        return new MqttServices(config, new Authenticator("test", AuthConfig.AnonymousPolicy.LOOPBACK, List.of()),
                registry, trie, router, clock);
    }

    /** A new connection to {@code services}, active, as the broker's MQTT listener sets it up. */
    static EmbeddedChannel channel(MqttServices services) {
        return channel(services, false);
    }

    /**
     * A new connection to {@code services}, active, as a listener with {@code proxyProtocol: true} sets it up: its
     * first bytes must be a PROXY header.
     */
    static EmbeddedChannel proxiedChannel(MqttServices services) {
        return channel(services, true);
    }

    private static EmbeddedChannel channel(MqttServices services, boolean proxyProtocol) {
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 50000);
            }
        };
        ch.pipeline().addLast(new MqttDecoder(services.config().mqtt().maxPacketSize(), 65535), MqttEncoder.INSTANCE,
                new MqttConnection(services, new ReadPauses()));
        ProxyProtocol.install(ch.pipeline(), new ListenerConfig("127.0.0.1", 0, null, proxyProtocol, null, List.of()));
        ch.pipeline().fireChannelActive();
        return ch;
    }

    /** A buffer of the bytes given, one per value (0 to 255): packet fixtures written field by field. */
    static ByteBuf bytes(int... values) {
        ByteBuf b = Unpooled.buffer(values.length);
        for (int v : values) {
            b.writeByte(v);
        }
        return b;
    }
}
