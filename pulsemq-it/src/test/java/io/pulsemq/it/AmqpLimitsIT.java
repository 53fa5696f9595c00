package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The server SDK endpoint's per-connection limits, met by RabbitMQ's amqp-client: at most {@value #MAX_CONSUMERS}
 * consumers (one more closes its channel with 403, as an over-limit queue does) and at most {@value #MAX_UNACKED}
 * deliveries unacknowledged over all of them (every prefetch is capped at it).
 */
class AmqpLimitsIT {

    private static final int MAX_CONSUMERS = 2;
    private static final int MAX_UNACKED = 3;
    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.amqp(a -> a.withConnectionLimits(a.maxQueuesPerConnection(),
                MAX_CONSUMERS, MAX_UNACKED)));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** A factory logging in the way the SDK does. */
    private static ConnectionFactory factory(AccessKey key) {
        long now = System.currentTimeMillis();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.amqpPort());
        f.setVirtualHost("MQTT");
        f.setUsername(Base64.getEncoder().encodeToString(("0:" + broker.config().instanceId() + ":" + key.id())
                .getBytes(StandardCharsets.UTF_8)));
        f.setPassword(Signatures.hmacSha1Base64(key.secret(), Long.toString(now)));
        f.setClientProperties(new HashMap<>(Map.of("signKey", Long.toString(now))));
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }

    @Test
    void consumers_oneTooManyClosesItsChannelWith403_theConnectionAndTheOthersGoOn_cancellingMakesRoom()
            throws Exception {
        double before = broker.limitHits("amqp.maxConsumersPerConnection");
        try (Connection c = factory(ADMIN).newConnection()) {
            Channel first = c.createChannel();
            first.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_cons_a"), new DefaultConsumer(first));
            Channel second = c.createChannel();
            String secondTag = second.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_cons_b"),
                    new DefaultConsumer(second));

            Channel third = c.createChannel();
            Throwable refused = catchThrowable(() -> third.basicConsume("STATUS", false,
                    Map.of("GROUP_ID", "GID_cons_c"), new DefaultConsumer(third)));
            assertThat(refused).as("basic.consume refused").isNotNull();
            AMQP.Channel.Close close = (AMQP.Channel.Close) third.getCloseReason().getReason();
            assertThat(close.getReplyCode()).isEqualTo(403);
            assertThat(close.getReplyText()).contains("amqp.maxConsumersPerConnection");
            assertThat(c.isOpen()).isTrue();
            assertThat(first.isOpen()).isTrue();

            second.basicCancel(secondTag);
            Channel fourth = c.createChannel();
            assertThat(fourth.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_cons_c"),
                    new DefaultConsumer(fourth))).isNotEmpty();
        }
        assertThat(broker.limitHits("amqp.maxConsumersPerConnection")).isEqualTo(before + 1);
    }

    @Test
    void unacked_deliveriesStopAtTheConnectionsLimit_overItsPrefetch_andGoOnAsTheyAreAcknowledged() throws Exception {
        double before = broker.limitHits("amqp.maxUnackedPerConnection");
        List<Mqtt5BlockingClient> devices = new ArrayList<>();
        for (int i = 0; i < MAX_UNACKED + 2; i++) { // one connect event each, each its own client (order key)
            devices.add(Clients.connectedHive5(broker, "GID_unacked@@@d" + i));
        }
        ApiClient api = new ApiClient(broker.httpPort());
        await().until(() -> api.getJson("/api/v1/groups/GID_unacked", ADMIN).get("online").asInt() == devices.size());

        try (Connection c = factory(ADMIN).newConnection()) {
            Channel ch = c.createChannel();
            ch.basicQos(100); // asks for more than the connection may have out
            List<Long> tags = new CopyOnWriteArrayList<>();
            ch.basicConsume("STATUS", false, Map.of("GROUP_ID", "GID_unacked", "x-stream-offset", "first"),
                    new DefaultConsumer(ch) {
                        @Override
                        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                                   byte[] body) {
                            tags.add(envelope.getDeliveryTag());
                        }
                    });

            await().until(() -> tags.size() >= MAX_UNACKED
                    && broker.limitHits("amqp.maxUnackedPerConnection") >= before + 2); // the prefetch, the cap
            assertThat(tags).hasSize(MAX_UNACKED);

            ch.basicAck(tags.get(tags.size() - 1), true);
            await().until(() -> tags.size() == devices.size()); // nothing lost, only held back
        }
        devices.forEach(Mqtt5BlockingClient::disconnect);
    }
}
