package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.pulsemq.broker.auth.Authenticator;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.store.RocksRetainedStore;
import io.pulsemq.broker.store.RocksSessionStore;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import io.pulsemq.broker.store.WriterStall;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.transport.InVmServer;
import io.pulsemq.broker.transport.ReadPauses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MQTT pipeline on a real store whose writer is stalled (its thread held in a batch, as a RocksDB write stall
 * holds it), over Netty's in-VM transport with real event loops: the event loop keeps answering while the store
 * waits, and acknowledgements that promise a message is kept leave only once it is stored, in the order of their
 * packets.
 */
class StoredAcknowledgementsTest {

    @TempDir
    Path dataDir;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private WriterStall stall;
    private RocksStore rocks;
    private StoreWriter writer;
    private InVmServer server;

    @BeforeEach
    void start() throws Exception {
        rocks = RocksStore.open(dataDir);
        writer = new StoreWriter(rocks, 1 << 20);
        MqttConfig mqtt = new MqttConfig(268_435_455, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
        BrokerConfig config = new BrokerConfig("test", "node-1", dataDir, ListenersConfig.loopbackEphemeral(),
                new AuthConfig(AuthConfig.AnonymousPolicy.TRUE), List.of(), mqtt, new ClientIdsConfig(false),
                new StatusLogConfig(Duration.ofDays(7)));
        SubscriptionTrie trie = new SubscriptionTrie();
        ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
        Clock clock = Clock.systemUTC();
        Router router = new Router(trie, new RocksRetainedStore(rocks, writer, new InMemoryRetainedStore()), map::get,
                clock);
        SessionRegistry registry = new SessionRegistry(map, trie, new RocksSessionStore(rocks, writer), router::publish,
                LifecycleListener.NONE, timer, clock, mqtt);
        MqttServices services = new MqttServices(config, new Authenticator("test", AuthConfig.AnonymousPolicy.TRUE,
                List.of()), registry, trie, router, clock, new Authorizer(config.authorization()), new LongAdder(),
                new LoginGuard(config.auth(), new BanList(clock), clock), new LimitHits(), writer);
        server = new InVmServer("pulsemq-stored-acks", p -> p.addLast(new MqttDecoder(), MqttEncoder.INSTANCE,
                new MqttConnection(services, new ReadPauses())));
    }

    @AfterEach
    void stop() {
        if (stall != null) {
            stall.release();
        }
        server.close();
        writer.close();
        rocks.close();
        timer.shutdownNow();
    }

    @Test
    void publishToAnOfflinePersistentSession_whileTheStoreStalls_pubAckWaits_butTheLoopAnswersPings() throws Exception {
        offlinePersistentSubscriber("t");
        Client publisher = connect("pub", true);

        stall = WriterStall.of(writer);
        publisher.send(publish("t", 7));
        publisher.send(MqttMessage.PINGREQ);

        assertThat(publisher.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        assertThat(publisher.received).isEmpty();
        stall.release();
        MqttMessage ack = publisher.next();
        assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
        assertThat(((MqttMessageIdVariableHeader) ack.variableHeader()).messageId()).isEqualTo(7);
    }

    @Test
    void pubAcks_ofPublishesThatWroteAndThatDidNot_leaveInTheOrderOfTheirPublishes() throws Exception {
        offlinePersistentSubscriber("t");
        Client publisher = connect("pub", true);

        stall = WriterStall.of(writer);
        publisher.send(publish("t", 1)); // queued for the offline session: a store write
        publisher.send(publish("nobody/listens", 2)); // no write
        publisher.send(MqttMessage.PINGREQ);
        assertThat(publisher.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        stall.release();

        List<Integer> acked = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            MqttMessage ack = publisher.next();
            assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
            acked.add(((MqttMessageIdVariableHeader) ack.variableHeader()).messageId());
        }
        assertThat(acked).containsExactly(1, 2); // [MQTT-4.6.0-2]
    }

    @Test
    void publishWithoutPersistentSubscribers_whileTheStoreStalls_isAcknowledgedAtOnce() throws Exception {
        Client publisher = connect("pub", true);

        stall = WriterStall.of(writer);
        publisher.send(publish("nobody/listens", 3));

        MqttMessage ack = publisher.next();
        assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
    }

    /** A client with a persistent session subscribed to {@code filter} at QoS 1, gone offline. */
    private void offlinePersistentSubscriber(String filter) throws Exception {
        Client subscriber = connect("sub", false);
        subscriber.send(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, filter)
                .build());
        assertThat(subscriber.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.SUBACK);
        subscriber.send(MqttMessageBuilders.disconnect().build());
    }

    private Client connect(String clientId, boolean cleanSession) throws Exception {
        Client c = new Client();
        c.channel = server.connect(c::receive);
        MqttConnectMessage connect = MqttMessageBuilders.connect().clientId(clientId)
                .protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(cleanSession).keepAlive(60).build();
        c.send(connect);
        assertThat(c.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
        return c;
    }

    private static MqttMessage publish(String topic, int packetId) {
        return MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE).messageId(packetId)
                .payload(Unpooled.copiedBuffer("m", StandardCharsets.UTF_8)).build();
    }

    /** A raw MQTT 3.1.1 client: packets encoded and decoded by Netty's codec on the test thread. */
    private static final class Client {
        final LinkedBlockingQueue<ByteBuf> bytes = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
        final EmbeddedChannel codec = new EmbeddedChannel(new MqttDecoder(), MqttEncoder.INSTANCE);
        Channel channel;

        void receive(ByteBuf b) {
            bytes.add(b.copy());
        }

        void send(MqttMessage m) {
            codec.writeOutbound(m);
            for (ByteBuf b = codec.readOutbound(); b != null; b = codec.readOutbound()) {
                channel.writeAndFlush(b).syncUninterruptibly();
            }
        }

        /** The next packet the broker sent, waiting up to 30 s. */
        MqttMessage next() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                MqttMessage m = codec.readInbound();
                if (m != null) {
                    return m;
                }
                ByteBuf b = bytes.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (b == null) {
                    throw new AssertionError("no packet from the broker within 30 s");
                }
                codec.writeInbound(b);
            }
        }
    }
}
