package io.pulsemq.it;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.ServerProducer;
import com.alibaba.mqtt.server.common.SendResult;
import com.alibaba.mqtt.server.config.ProducerConfig;
import com.alibaba.mqtt.server.model.MessageProperties;
import com.alibaba.mqtt.server.model.StringPair;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Device messages to backends ({@code subscribeTopic}) and backend messages to devices ({@code sendMessage}), with
 * rules that keep the car backend's key ({@code GID_car*}) from reading {@code billing} and from sending to
 * {@code locked}; everything else is allowed.
 */
class ServerSdkMessagesIT {

    private static final AuthorizationConfig RULES = new AuthorizationConfig(Decision.ALLOW, List.of(
            new AuthorizationRule(null, Action.SUBSCRIBE, List.of("billing/#"), List.of(CAR_SERVER.id()), null, null, null),
            new AuthorizationRule(null, Action.PUBLISH, List.of("locked/#"), List.of(CAR_SERVER.id()), null, null, null)));

    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.authorization(RULES));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private record Received(String msgId, MessageProperties properties, String payload) {
    }

    @Test
    void subscribeTopic_deviceMessagesArriveWithTheirProperties() throws Exception {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        ServerConsumer consumer = ServerSdk.consumer(broker, CAR_SERVER);
        consumer.subscribeTopic("telemetry", (msgId, props, payload) ->
                received.add(new Received(msgId, props, new String(payload, StandardCharsets.UTF_8))));
        Mqtt5BlockingClient device = Clients.hive5(broker, "GID_car@@@vin1");
        device.connect();
        MqttClient paho = Clients.paho3(broker, "GID_car@@@vin2");
        paho.connect();
        try {
            device.publishWith().topic("telemetry/speed/now").qos(MqttQos.AT_LEAST_ONCE).contentType("text/plain")
                    .messageExpiryInterval(600).userProperties().add("unit", "km/h").applyUserProperties()
                    .payload("88".getBytes(StandardCharsets.UTF_8)).send();
            paho.publish("telemetry", "7".getBytes(StandardCharsets.UTF_8), 1, false);
            device.publishWith().topic("other/topic").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("not for this queue".getBytes(StandardCharsets.UTF_8)).send();

            Received first = next(received);
            Received second = next(received);
            Received speed = first.payload.equals("88") ? first : second;
            Received plain = first.payload.equals("88") ? second : first;
            assertThat(speed.properties.getFirstTopic()).isEqualTo("telemetry");
            assertThat(speed.properties.getSecondTopic()).isEqualTo("/speed/now");
            assertThat(speed.properties.getClientId()).isEqualTo("GID_car@@@vin1");
            assertThat(speed.properties.getBornTime()).isPositive();
            assertThat(speed.properties.getMqtt5ContentType()).isEqualTo("text/plain");
            assertThat(Long.parseLong(speed.properties.getMqtt5MsgExpireInterval())).isBetween(1L, 600L);
            assertThat(com.alibaba.fastjson.JSON.parseArray(speed.properties.getMqtt5UserProperty(), StringPair.class))
                    .containsExactly(new StringPair("unit", "km/h"));
            assertThat(speed.msgId).isNotBlank();
            assertThat(plain.properties.getFirstTopic()).isEqualTo("telemetry");
            assertThat(plain.properties.getSecondTopic()).isNull();
            assertThat(plain.properties.getClientId()).isEqualTo("GID_car@@@vin2");
            assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            device.disconnect();
            paho.disconnect();
            paho.close();
            consumer.stop();
        }
    }

    @Test
    void subscribeTopic_messagesPublishedWhileTheBackendIsAwayArriveLater() throws Exception {
        ServerConsumer consumer = ServerSdk.consumer(broker, CAR_SERVER);
        consumer.subscribeTopic("queued", (msgId, props, payload) -> { });
        consumer.stop();
        Mqtt5BlockingClient device = Clients.hive5(broker, "GID_car@@@queued");
        device.connect();
        for (int i = 0; i < 5; i++) {
            Clients.publish(device, "queued/n", Integer.toString(i), 1);
        }
        device.disconnect();

        BlockingQueue<String> payloads = new LinkedBlockingQueue<>();
        ServerConsumer back = ServerSdk.consumer(broker, CAR_SERVER);
        back.subscribeTopic("queued", (msgId, props, payload) -> payloads.add(new String(payload, StandardCharsets.UTF_8)));
        try {
            for (int i = 0; i < 5; i++) {
                assertThat(payloads.poll(Clients.TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo(Integer.toString(i));
            }
        } finally {
            back.stop();
        }
    }

    @Test
    void sendMessage_reachesSubscribedDevices_andP2pReachesOneClientWithoutSubscription() throws Exception {
        Mqtt5BlockingClient subscriber = Clients.hive5(broker, "GID_car@@@sub");
        Mqtt5BlockingClient.Mqtt5Publishes subscribed = subscriber.publishes(MqttGlobalPublishFilter.ALL);
        subscriber.connect();
        subscriber.subscribeWith().topicFilter("commands/#").qos(MqttQos.EXACTLY_ONCE).send();
        Mqtt5BlockingClient target = Clients.hive5(broker, "GID_car@@@target");
        Mqtt5BlockingClient.Mqtt5Publishes direct = target.publishes(MqttGlobalPublishFilter.ALL);
        target.connect();
        ServerProducer producer = new ServerProducer(ServerSdk.channelConfig(broker, CAR_SERVER), new ProducerConfig());
        producer.start();
        try {
            SendResult result = producer.sendMessage("commands/unlock", "open".getBytes(StandardCharsets.UTF_8), "60",
                    "text/plain", List.of(new StringPair("origin", "backend")));
            assertThat(result.isSuccess()).isTrue();
            Mqtt5Publish got = Clients.next(subscribed);
            assertThat(got.getTopic().toString()).isEqualTo("commands/unlock");
            assertThat(got.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("open");
            assertThat(got.getContentType()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
            assertThat(got.getMessageExpiryInterval().orElseThrow()).isBetween(1L, 60L);
            assertThat(got.getUserProperties().asList()).anySatisfy(p -> {
                assertThat(p.getName().toString()).isEqualTo("origin");
                assertThat(p.getValue().toString()).isEqualTo("backend");
            });

            assertThat(producer.sendMessage("commands/p2p/GID_car@@@target", "only you".getBytes(StandardCharsets.UTF_8))
                    .isSuccess()).isTrue();
            Mqtt5Publish p2p = Clients.next(direct);
            assertThat(p2p.getTopic().toString()).isEqualTo("commands/p2p/GID_car@@@target");
            assertThat(new String(p2p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("only you");
            // the subscriber of commands/# gets it too, as an ordinary match; the target exactly once
            assertThat(Clients.next(subscribed).getTopic().toString()).isEqualTo("commands/p2p/GID_car@@@target");
            assertThat(direct.receive(200, TimeUnit.MILLISECONDS)).isEmpty();
        } finally {
            producer.stop();
            subscriber.disconnect();
            target.disconnect();
        }
    }

    @Test
    void subscribeTopic_parentTopicTheRulesDeny_refused403NamingTheQueue_allowedOneStillWorks_ofTheKeysGroupsOnly()
            throws Exception {
        BlockingQueue<Received> allowed = new LinkedBlockingQueue<>();
        BlockingQueue<Received> denied = new LinkedBlockingQueue<>();
        ServerConsumer consumer = ServerSdk.consumer(broker, CAR_SERVER);
        try {
            consumer.subscribeTopic("fleet", (msgId, props, payload) ->
                    allowed.add(new Received(msgId, props, new String(payload, StandardCharsets.UTF_8))));
            assertThatThrownBy(() -> consumer.subscribeTopic("billing", (msgId, props, payload) ->
                    denied.add(new Received(msgId, props, new String(payload, StandardCharsets.UTF_8)))))
                    .isInstanceOf(IOException.class).rootCause()
                    .hasMessageContaining("reply-code=403")
                    .hasMessageContaining("ACCESS_REFUSED - queue 'billing'")
                    .hasMessageContaining("subscribe to 'billing/#'");

            Mqtt5BlockingClient bike = Clients.connectedHive5(broker, "GID_bike@@@fleet1");
            Mqtt5BlockingClient car = Clients.connectedHive5(broker, "GID_car@@@fleet1");
            Clients.publish(car, "billing/invoice", "not for the car backend", 1);
            Clients.publish(bike, "fleet/position", "a bike, not for the car backend", 1);
            Clients.publish(car, "fleet/position", "a car", 1);
            bike.disconnect();
            car.disconnect();

            Received first = next(allowed);
            assertThat(first.payload).isEqualTo("a car");
            assertThat(first.properties.getClientId()).isEqualTo("GID_car@@@fleet1");
            assertThat(denied).isEmpty();
        } finally {
            consumer.stop();
        }
    }

    @Test
    void sendMessage_topicTheRulesDeny_reportedFailed_noDeviceGetsIt_countedDenied_allowedTopicDelivered()
            throws Exception {
        ApiClient api = new ApiClient(broker.httpPort());
        double deniedBefore = deniedPublishes(api);
        Mqtt5BlockingClient device = Clients.hive5(broker, "GID_car@@@door");
        Mqtt5BlockingClient.Mqtt5Publishes received = device.publishes(MqttGlobalPublishFilter.ALL);
        device.connect();
        device.subscribeWith().topicFilter("locked/#").qos(MqttQos.AT_LEAST_ONCE).send();
        device.subscribeWith().topicFilter("unlocked/#").qos(MqttQos.AT_LEAST_ONCE).send();
        ServerProducer producer = ServerSdk.producer(broker, CAR_SERVER);
        try {
            assertThat(producer.sendMessage("locked/door", "open".getBytes(StandardCharsets.UTF_8)).isSuccess())
                    .as("the SDK reports the denied send as failed").isFalse();
            assertThat(producer.sendMessage("unlocked/door", "close".getBytes(StandardCharsets.UTF_8)).isSuccess())
                    .isTrue();

            // the denied message would have been routed first, to the same session: the allowed one is next
            Mqtt5Publish got = Clients.next(received);
            assertThat(got.getTopic().toString()).isEqualTo("unlocked/door");
            assertThat(deniedPublishes(api)).isEqualTo(deniedBefore + 1);
        } finally {
            producer.stop();
            device.disconnect();
        }
    }

    @Test
    void sendMessage_p2pToADeviceOutsideTheKeysGroups_reportedFailed_notDelivered() throws Exception {
        Mqtt5BlockingClient target = Clients.hive5(broker, "GID_bike@@@target");
        Mqtt5BlockingClient.Mqtt5Publishes direct = target.publishes(MqttGlobalPublishFilter.ALL);
        target.connect();
        ServerProducer car = ServerSdk.producer(broker, CAR_SERVER);
        ServerProducer admin = ServerSdk.producer(broker, BrokerFixture.ADMIN);
        try {
            assertThat(car.sendMessage("commands/p2p/GID_bike@@@target", "from the car backend"
                    .getBytes(StandardCharsets.UTF_8)).isSuccess()).isFalse();
            assertThat(admin.sendMessage("commands/p2p/GID_bike@@@target", "from an admin"
                    .getBytes(StandardCharsets.UTF_8)).isSuccess()).isTrue();

            Mqtt5Publish got = Clients.next(direct);
            assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("from an admin");
        } finally {
            car.stop();
            admin.stop();
            target.disconnect();
        }
    }

    /** {@code pulsemq_messages_denied_total} from {@code /metrics}. */
    private static double deniedPublishes(ApiClient api) {
        Matcher m = Pattern.compile("(?m)^pulsemq_messages_denied_total (\\S+)$")
                .matcher(api.get("/metrics", BrokerFixture.ADMIN).body());
        assertThat(m.find()).as("pulsemq_messages_denied_total in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static Received next(BlockingQueue<Received> q) throws InterruptedException {
        Received r = q.poll(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(r).as("a message within %d s", Clients.TIMEOUT_S).isNotNull();
        return r;
    }
}
