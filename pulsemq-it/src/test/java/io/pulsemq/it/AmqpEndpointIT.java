package io.pulsemq.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.AMQImpl;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Edge cases of the AMQP endpoint, driven by RabbitMQ's amqp-client and by hand-written frames. The car backend's key
 * may read only {@code telemetry} and send nowhere; a connection may use at most {@value #MAX_QUEUES} queues.
 */
class AmqpEndpointIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_QUEUES = 4;
    private static final AuthorizationConfig RULES = new AuthorizationConfig(Decision.ALLOW, List.of(
            new AuthorizationRule(Action.SUBSCRIBE, null, List.of("telemetry/#"), List.of(CAR_SERVER.id()), null, null,
                    null),
            new AuthorizationRule(null, Action.ALL, List.of("#"), List.of(CAR_SERVER.id()), null, null, null)));
    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(c -> BrokerFixture.maxQueuesPerConnection(MAX_QUEUES)
                .apply(BrokerFixture.authorization(RULES).apply(c)));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** A factory logging in the way the SDK does, with a chosen timestamp, instance and secret. */
    private static ConnectionFactory factory(String instanceId, AccessKey key, String secret, long signedAt) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.amqpPort());
        f.setVirtualHost("MQTT");
        f.setUsername(Base64.getEncoder().encodeToString(("0:" + instanceId + ":" + key.id()).getBytes(StandardCharsets.UTF_8)));
        f.setPassword(Signatures.hmacSha1Base64(secret, Long.toString(signedAt)));
        f.setClientProperties(new java.util.HashMap<>(Map.of("signKey", Long.toString(signedAt))));
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }

    private static ConnectionFactory factory(AccessKey key) {
        return factory(broker.config().instanceId(), key, key.secret(), System.currentTimeMillis());
    }

    @Test
    void wrongSecret_sdkStartIsRefused() {
        ChannelConfig config = ServerSdk.channelConfig(broker, CAR_SERVER);
        config.setSecretKey("not-the-secret");
        ServerConsumer consumer = new ServerConsumer(config, new ConsumerConfig());
        assertThatThrownBy(consumer::start).isInstanceOf(AuthenticationFailureException.class)
                .hasMessageContaining("ACCESS_REFUSED");
    }

    @Test
    void unknownInstance_expiredSignature_deviceKey_areRefused() {
        long now = System.currentTimeMillis();
        assertThatThrownBy(() -> factory("another-instance", CAR_SERVER, CAR_SERVER.secret(), now).newConnection())
                .isInstanceOf(AuthenticationFailureException.class);
        long monthsAgo = now - Duration.ofDays(40).toMillis();
        assertThatThrownBy(() -> factory(broker.config().instanceId(), CAR_SERVER, CAR_SERVER.secret(), monthsAgo)
                .newConnection()).isInstanceOf(AuthenticationFailureException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> factory(BrokerFixture.CAR_DEVICE).newConnection())
                .isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void badVirtualHost_connectionRefusedWithNotAllowed() {
        ConnectionFactory f = factory(CAR_SERVER);
        f.setVirtualHost("/");
        assertThatThrownBy(f::newConnection).hasRootCauseInstanceOf(ShutdownSignalException.class)
                .rootCause().hasMessageContaining("reply-code=530");
    }

    @Test
    void groupNotAllowedForTheKey_consumeRefused_connectionStays() throws Exception {
        try (Connection c = factory(CAR_SERVER).newConnection()) {
            Channel ch = c.createChannel();
            assertThatThrownBy(() -> ch.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_bike"), new DefaultConsumer(ch)))
                    .rootCause().hasMessageContaining("reply-code=403");
            assertThat(c.isOpen()).isTrue();
            Channel unknownQueue = c.createChannel();
            assertThatThrownBy(() -> unknownQueue.basicConsume("a/b", new DefaultConsumer(unknownQueue)))
                    .rootCause().hasMessageContaining("reply-code=404");
            assertThat(c.createChannel().queueDeclarePassive("STATUS").getQueue()).isEqualTo("STATUS");
        }
    }

    @Test
    void queueDeclare_arbitraryDurableQueue_refused403NamingIt_theSdksQueuesDeclare() throws Exception {
        try (Connection c = factory(CAR_SERVER).newConnection()) {
            assertThat(declareRefusal(c, ch -> ch.queueDeclare("backup-of-everything", true, false, false, null)))
                    .contains("ACCESS_REFUSED - queue 'backup-of-everything'", "subscribe to 'backup-of-everything/#'");
            assertThat(declareRefusal(c, Channel::queueDeclare)).contains("server-named queues cannot be declared");
            assertThat(declareRefusal(c, ch -> ch.queueDeclare("orders/backup", true, false, false, null)))
                    .contains("queue 'orders/backup'", "one queue per parent topic");

            Channel ch = c.createChannel();
            assertThat(ch.queueDeclare("telemetry", true, false, false, null).getQueue()).isEqualTo("telemetry");
            assertThat(ch.queueDeclarePassive("STATUS").getQueue()).isEqualTo("STATUS");
            assertThat(c.isOpen()).isTrue();
        }
    }

    @Test
    void queues_moreThanTheLimitPerConnection_refused403_anotherConnectionMayUseThem() throws Exception {
        try (Connection c = factory(ADMIN).newConnection(); Connection other = factory(ADMIN).newConnection()) {
            Channel ch = c.createChannel();
            for (int i = 0; i < MAX_QUEUES - 1; i++) {
                ch.queueDeclarePassive("limit" + i);
            }
            ch.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_limit"), new DefaultConsumer(ch));
            ch.queueDeclarePassive("limit0"); // the same queue again counts once

            assertThat(declareRefusal(c, next -> next.queueDeclarePassive("limit" + MAX_QUEUES)))
                    .contains("ACCESS_REFUSED - queue 'limit" + MAX_QUEUES + "'", "at most " + MAX_QUEUES + " queues");
            assertThat(other.createChannel().queueDeclarePassive("limit" + MAX_QUEUES).getQueue())
                    .isEqualTo("limit" + MAX_QUEUES);
        }
    }

    @Test
    void consumeTopic_theRulesDoNotLetTheKeyRead_refused403NamingTheQueue_loggedAtInfoWithoutTheSecret()
            throws Exception {
        Logger channelLog = (Logger) LoggerFactory.getLogger("io.pulsemq.broker.amqp.AmqpChannel");
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Level level = channelLog.getLevel();
        channelLog.setLevel(Level.INFO);
        channelLog.addAppender(log);
        try (Connection c = factory(CAR_SERVER).newConnection()) {
            Channel ch = c.createChannel();
            assertThatThrownBy(() -> ch.basicConsume("billing", false, new DefaultConsumer(ch)))
                    .rootCause().hasMessageContaining("reply-code=403")
                    .hasMessageContaining("ACCESS_REFUSED - queue 'billing'");
            assertThat(c.isOpen()).isTrue();
        } finally {
            channelLog.detachAppender(log);
            channelLog.setLevel(level);
        }
        assertThat(List.copyOf(log.list)).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getFormattedMessage()).contains(CAR_SERVER.id(), "queue 'billing'", "refused")
                    .doesNotContain(CAR_SERVER.secret());
        });
    }

    @Test
    void consumeTopic_aDeviceOfAGroupOutsideTheKey_neverDelivered_anotherKeyHasAQueueOfItsOwn() throws Exception {
        try (Connection car = factory(CAR_SERVER).newConnection(); Connection admin = factory(ADMIN).newConnection()) {
            List<String> toCar = new CopyOnWriteArrayList<>();
            List<String> toAdmin = new CopyOnWriteArrayList<>();
            Channel carChannel = car.createChannel();
            carChannel.basicConsume("telemetry", false, payloads(carChannel, toCar));
            Channel adminChannel = admin.createChannel();
            adminChannel.basicConsume("telemetry", false, payloads(adminChannel, toAdmin));

            Mqtt5BlockingClient bike = Clients.connectedHive5(broker, "GID_bike@@@t1");
            Mqtt5BlockingClient carDevice = Clients.connectedHive5(broker, "GID_car@@@t1");
            Clients.publish(bike, "telemetry/speed", "bike", 1);
            Clients.publish(carDevice, "telemetry/speed", "car", 1);
            bike.disconnect();
            carDevice.disconnect();

            // one channel delivers a queue in its order: a bike message in the car backend's queue would come first
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !toCar.isEmpty());
            assertThat(toCar).first().isEqualTo("car");
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).untilAsserted(() ->
                    assertThat(toAdmin).containsExactly("bike", "car"));
        }
    }

    @Test
    void publishDenied_mandatoryReturned403_confirmNack_plainPublishClosesTheChannel403() throws Exception {
        try (Connection c = factory(CAR_SERVER).newConnection()) {
            List<Integer> returnCodes = new CopyOnWriteArrayList<>();
            List<String> returnTexts = new CopyOnWriteArrayList<>();
            Channel confirmed = c.createChannel();
            confirmed.addReturnListener((code, text, exchange, routingKey, props, body) -> {
                returnCodes.add(code);
                returnTexts.add(text);
            });
            confirmed.confirmSelect();
            confirmed.basicPublish("commands/unlock", "commands/unlock", true, new AMQP.BasicProperties(),
                    "open".getBytes(StandardCharsets.UTF_8));
            assertThat(confirmed.waitForConfirms(TimeUnit.SECONDS.toMillis(Clients.TIMEOUT_S))).isFalse();
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !returnCodes.isEmpty());
            assertThat(returnCodes).containsExactly(403);
            assertThat(returnTexts).singleElement().asString()
                    .startsWith("ACCESS_REFUSED - publish to 'commands/unlock'").contains(CAR_SERVER.id());
            assertThat(confirmed.isOpen()).isTrue();

            Channel plain = c.createChannel();
            plain.basicPublish("commands/unlock", "", false, new AMQP.BasicProperties(),
                    "open".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !plain.isOpen());
            AMQP.Channel.Close close = (AMQP.Channel.Close) plain.getCloseReason().getReason();
            assertThat(close.getReplyCode()).isEqualTo(403);
            assertThat(close.getReplyText()).contains("publish to 'commands/unlock'");
            assertThat(c.isOpen()).isTrue();
        }
    }

    /** The reply text of the channel close a declare on a new channel of {@code c} ends in. */
    private static String declareRefusal(Connection c, Declare declare) throws IOException {
        Channel ch = c.createChannel();
        Throwable refused = catchThrowable(() -> declare.on(ch));
        assertThat(refused).as("queue.declare refused").isNotNull();
        assertThat(ch.isOpen()).isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) ch.getCloseReason().getReason();
        assertThat(close.getReplyCode()).isEqualTo(403);
        return close.getReplyText();
    }

    @FunctionalInterface
    private interface Declare {
        void on(Channel ch) throws IOException;
    }

    private static DefaultConsumer payloads(Channel ch, List<String> sink) {
        return new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                sink.add(new String(body, StandardCharsets.UTF_8));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        };
    }

    @Test
    void unknownDeliveryTag_closesTheChannelWith406() throws Exception {
        try (Connection c = factory(ADMIN).newConnection()) {
            Channel ch = c.createChannel();
            ch.basicAck(4242, false);
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !ch.isOpen());
            assertThat(ch.getCloseReason().getReason()).isInstanceOf(AMQP.Channel.Close.class);
            assertThat(((AMQP.Channel.Close) ch.getCloseReason().getReason()).getReplyCode()).isEqualTo(406);
            assertThat(c.isOpen()).isTrue();
        }
    }

    @Test
    void streamOffset_replaysFromAPosition_withoutMovingTheGroupCursor() throws Exception {
        try (Connection c = factory(ADMIN).newConnection()) {
            // the group exists (its cursor is here) but has no consumer while the device comes and goes
            Channel group = c.createChannel();
            String tag = group.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_replay"), new DefaultConsumer(group));
            group.basicCancel(tag);
            Mqtt5BlockingClient device = Clients.hive5(broker, "GID_replay@@@d1");
            device.connect();
            device.disconnect();

            List<JsonNode> first = replay(c, "first", 3);
            assertThat(first).extracting(e -> e.get("eventType").asText()).containsExactly("connect", "disconnect", "tcpclean");
            long second = first.get(1).get("offset").asLong();
            assertThat(replay(c, second, 2)).extracting(e -> e.get("offset").asLong())
                    .containsExactly(second, first.get(2).get("offset").asLong());
            // "last" is the group's newest event, even when other groups' events came after it
            Mqtt5BlockingClient other = Clients.hive5(broker, "GID_replay_other@@@d1");
            other.connect();
            assertThat(replay(c, "last", 1)).singleElement()
                    .satisfies(e -> assertThat(e.get("offset").asLong()).isEqualTo(first.get(2).get("offset").asLong()));
            other.disconnect();

            // the group's own cursor did not move: its consumer still gets all three
            List<JsonNode> delivered = new CopyOnWriteArrayList<>();
            Channel again = c.createChannel();
            again.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_replay"), collector(again, delivered));
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> delivered.size() == 3);
            assertThat(delivered).extracting(e -> e.get("offset").asLong())
                    .containsExactlyElementsOf(first.stream().map(e -> e.get("offset").asLong()).toList());
        }
    }

    private static List<JsonNode> replay(Connection c, Object offset, int expected) throws Exception {
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        Channel ch = c.createChannel();
        ch.basicQos(10);
        ch.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_replay", "x-stream-offset", offset), collector(ch, events));
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> events.size() >= expected);
        ch.close();
        return events;
    }

    private static DefaultConsumer collector(Channel ch, List<JsonNode> sink) {
        return new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                sink.add(JSON.readTree(body));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        };
    }

    @Test
    void malformedFrame_closesThatConnectionOnly() throws Exception {
        try (Connection healthy = factory(ADMIN).newConnection(); RawAmqp raw = new RawAmqp(broker.amqpPort())) {
            raw.handshake(broker.config().instanceId(), ADMIN, 0);
            raw.write(new byte[] {9, 0, 0, 0, 0, 0, 0, (byte) 0xCE}); // frame type 9 does not exist
            AMQImpl.Connection.Close close = (AMQImpl.Connection.Close) raw.readMethod();
            assertThat(close.getReplyCode()).isEqualTo(501);
            raw.send(0, new AMQImpl.Connection.CloseOk());
            raw.readUntilClosed();

            assertThat(healthy.isOpen()).isTrue();
            assertThat(healthy.createChannel().queueDeclarePassive("STATUS").getQueue()).isEqualTo("STATUS");
        }
    }

    @Test
    void wrongProtocolHeader_getsTheSupportedHeaderBack_andIsClosed() throws Exception {
        try (RawAmqp raw = new RawAmqp(broker.amqpPort())) {
            raw.write(new byte[] {'A', 'M', 'Q', 'P', 1, 1, 8, 0}); // AMQP 0-8
            assertThat(raw.readBytes(8)).isEqualTo(RawAmqp.HEADER);
            assertThat(raw.readUntilClosed()).isFalse();
        }
    }

    @Test
    void heartbeats_sentByTheBroker_andASilentClientIsDisconnected() throws Exception {
        try (RawAmqp raw = new RawAmqp(broker.amqpPort())) {
            raw.handshake(broker.config().instanceId(), ADMIN, 1);
            // the client now sends nothing: the broker sends heartbeats, then gives up after two silent intervals
            assertThat(raw.readUntilClosed()).isTrue();
        }
        try (RawAmqp raw = new RawAmqp(broker.amqpPort())) {
            raw.handshake(broker.config().instanceId(), ADMIN, 1);
            // a client that answers every heartbeat stays connected across several intervals
            for (int beats = 0; beats < 4; ) {
                RawAmqp.Frame f = raw.read();
                assertThat(f.type()).as("only heartbeats, no connection.close").isEqualTo(8);
                raw.write(new byte[] {8, 0, 0, 0, 0, 0, 0, (byte) 0xCE});
                beats++;
            }
            raw.send(0, new AMQImpl.Connection.Close(200, "bye", 0, 0));
            assertThat(raw.readMethod()).isInstanceOf(AMQImpl.Connection.CloseOk.class);
        }
    }
}
