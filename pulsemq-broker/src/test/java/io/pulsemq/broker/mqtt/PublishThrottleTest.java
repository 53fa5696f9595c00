package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.pulsemq.broker.transport.ReadPauses;
import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.ManualClock;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.InMemorySessionStore;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mqtt.maxPublishRate} on one connection, with the broker's clock and Netty's both under the test's control:
 * a publisher beyond the rate is not read for as long as the rate needs, is not cut off by its keep-alive meanwhile,
 * and is read again afterwards.
 */
class PublishThrottleTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ManualClock clock = new ManualClock(1_000_000);
    private final LimitHits hits = new LimitHits();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void publisherBeyondTheRate_isNotRead_isNotTimedOutMeanwhile_andIsReadAgainAfterThePause() {
        EmbeddedChannel ch = channel(services(2));
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0D,             // CONNECT, remaining length 13
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x04,                   // protocol level 4 (3.1.1)
                0x02,                   // clean session
                0x00, 0x01,             // keep-alive 1 s: idle after 1.5 s
                0x00, 0x01, 'c'));      // client ID "c"
        ch.runPendingTasks();
        assertThat(hex(ch.readOutbound())).isEqualTo("20020000"); // CONNACK accepted

        for (int i = 0; i < 10; i++) {
            ch.writeInbound(TestMqttServices.bytes(0x30, 0x03, 0x00, 0x01, 't')); // PUBLISH QoS 0 to "t", empty payload
        }
        // 2 per second, bursts of 2: the other 8 take 4 s
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(hits.count(Limit.MQTT_MAX_PUBLISH_RATE)).isEqualTo(1);

        advance(ch, 2000); // past 1.5 x keep-alive, but the silence is the broker's doing
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.config().isAutoRead()).isFalse();

        advance(ch, 2100);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(ch.isOpen()).isTrue();

        advance(ch, 1600); // now the client is silent: the keep-alive applies again
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void publisherWithinTheRate_isNeverPaused() {
        EmbeddedChannel ch = channel(services(2));
        ch.writeInbound(TestMqttServices.bytes(0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 'c'));
        ch.runPendingTasks();
        for (int i = 0; i < 10; i++) {
            ch.writeInbound(TestMqttServices.bytes(0x30, 0x03, 0x00, 0x01, 't'));
            assertThat(ch.config().isAutoRead()).isTrue();
            advance(ch, 500);
        }
        assertThat(hits.count(Limit.MQTT_MAX_PUBLISH_RATE)).isZero();
    }

    /** Moves both clocks on and runs what fell due. */
    private void advance(EmbeddedChannel ch, long ms) {
        clock.advance(Duration.ofMillis(ms));
        ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    private EmbeddedChannel channel(MqttServices services) {
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 50000);
            }
        };
        ch.freezeTime();
        ch.pipeline().addLast(new MqttDecoder(1024, 65535), MqttEncoder.INSTANCE, new MqttConnection(services, new ReadPauses()));
        ch.pipeline().fireChannelActive();
        return ch;
    }

    private MqttServices services(int maxPublishRate) {
        MqttConfig mqtt = new MqttConfig(1024, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true).withPublishRates(maxPublishRate, 0);
        BrokerConfig config = new BrokerConfig("test", "node-1", Path.of("unused"), ListenersConfig.loopbackEphemeral(),
                new AuthConfig(AuthConfig.AnonymousPolicy.LOOPBACK), List.of(), mqtt, new ClientIdsConfig(false),
                new StatusLogConfig(Duration.ofDays(7)));
        SubscriptionTrie trie = new SubscriptionTrie();
        ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
        Router router = new Router(trie, new InMemoryRetainedStore(), map::get, clock);
        SessionRegistry registry = new SessionRegistry(map, trie, new InMemorySessionStore(), router::publish,
                LifecycleListener.NONE, timer, clock, mqtt);
        return new MqttServices(config, new Authenticator("test", AuthConfig.AnonymousPolicy.LOOPBACK, List.of()),
                registry, trie, router, clock, new Authorizer(config.authorization()), new LongAdder(),
                new LoginGuard(config.auth(), new BanList(clock), clock), hits);
    }

    private static String hex(Object o) {
        ByteBuf b = (ByteBuf) o;
        String s = io.netty.buffer.ByteBufUtil.hexDump(b);
        b.release();
        return s;
    }
}
