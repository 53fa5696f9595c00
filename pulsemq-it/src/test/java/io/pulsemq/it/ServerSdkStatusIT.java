package io.pulsemq.it;

import com.alibaba.fastjson.JSONObject;
import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.model.StatusNotice;
import com.alibaba.mqtt.server.model.StatusType;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The published ApsaraMQ server SDK ({@code com.alibaba.mqtt:server-sdk:1.0.8.Final}) receiving status notices. */
class ServerSdkStatusIT {

    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void seedSample_receivesOnlineAndOfflineOfItsGroupOnly() throws Exception {
        // The program from the ApsaraMQ documentation, unchanged but for the endpoint.
        ChannelConfig channelConfig = ServerSdk.channelConfig(broker, CAR_SERVER);
        ServerSdk.Notices notices = new ServerSdk.Notices();
        ServerConsumer serverConsumer = new ServerConsumer(channelConfig, new ConsumerConfig());
        serverConsumer.start();
        serverConsumer.subscribeStatus("GID_car", statusNotice -> {
            System.out.println(JSONObject.toJSONString(statusNotice));
            notices.add(statusNotice);
        });
        try {
            Mqtt5BlockingClient hive = Clients.hive5(broker, "GID_car@@@hive");
            hive.connect();
            MqttClient paho = Clients.paho3(broker, "GID_car@@@paho");
            paho.connect();
            Mqtt5BlockingClient other = Clients.hive5(broker, "GID_bike@@@hive");
            other.connect();
            hive.disconnect();
            paho.disconnect();
            paho.close();
            other.disconnect();

            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).untilAsserted(() -> {
                assertThat(notices.of("GID_car@@@hive")).containsExactly(
                        "GID_car@@@hive ONLINE", "GID_car@@@hive OFFLINE", "GID_car@@@hive OFFLINE");
                assertThat(notices.of("GID_car@@@paho")).containsExactly(
                        "GID_car@@@paho ONLINE", "GID_car@@@paho OFFLINE", "GID_car@@@paho OFFLINE");
            });
            StatusNotice online = notices.all.stream()
                    .filter(n -> n.getClientId().equals("GID_car@@@hive") && n.getStatusType() == StatusType.ONLINE)
                    .findFirst().orElseThrow();
            assertThat(online.getChannelId()).hasSize(32);
            assertThat(online.getClientIp()).startsWith("127.0.0.1:");
            assertThat(online.getTime()).isPositive();
            // a device of another group connected and left before these: none of its events came
            assertThat(notices.all).noneMatch(n -> n.getClientId().startsWith("GID_bike"));
        } finally {
            serverConsumer.stop();
        }
    }

    @Test
    void subscribeStatus_groupOutsideTheKey_refused403NamingTheQueue_nothingDelivered_ownGroupStillWorks()
            throws Exception {
        ServerSdk.Notices own = new ServerSdk.Notices();
        ServerSdk.Notices foreign = new ServerSdk.Notices();
        ServerConsumer consumer = ServerSdk.consumer(broker, CAR_SERVER); // groups GID_car*
        try {
            consumer.subscribeStatus("GID_car_scope", own::add);
            assertThatThrownBy(() -> consumer.subscribeStatus("GID_bike_scope", foreign::add))
                    .isInstanceOf(IOException.class).rootCause()
                    .hasMessageContaining("reply-code=403")
                    .hasMessageContaining("ACCESS_REFUSED - queue 'STATUS' of group 'GID_bike_scope'")
                    .hasMessageContaining(CAR_SERVER.id());

            // the other group's device comes and goes first, then the key's own
            Mqtt5BlockingClient bike = Clients.hive5(broker, "GID_bike_scope@@@b1");
            bike.connect();
            bike.disconnect();
            Mqtt5BlockingClient car = Clients.hive5(broker, "GID_car_scope@@@c1");
            car.connect();
            car.disconnect();

            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).untilAsserted(() ->
                    assertThat(own.of("GID_car_scope@@@c1")).containsExactly("GID_car_scope@@@c1 ONLINE",
                            "GID_car_scope@@@c1 OFFLINE", "GID_car_scope@@@c1 OFFLINE"));
            assertThat(foreign.all).isEmpty();
            assertThat(own.all).noneMatch(n -> n.getClientId().startsWith("GID_bike"));
        } finally {
            consumer.stop();
        }
    }

    @Test
    void consumerRestart_eventsWhileAwayAreDeliveredAfterwards() throws Exception {
        ServerSdk.Notices first = new ServerSdk.Notices();
        ServerConsumer consumer = ServerSdk.consumer(broker, ADMIN);
        consumer.subscribeStatus("GID_away", first::add);
        Mqtt5BlockingClient device = Clients.hive5(broker, "GID_away@@@d1");
        device.connect();
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S))
                .until(() -> first.count("GID_away@@@d1", StatusType.ONLINE) == 1);
        consumer.stop();

        device.disconnect(); // while no consumer of the group is connected
        device.connect();
        device.disconnect();

        ServerSdk.Notices second = new ServerSdk.Notices();
        ServerConsumer restarted = ServerSdk.consumer(broker, ADMIN);
        restarted.subscribeStatus("GID_away", second::add);
        try {
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).untilAsserted(() ->
                    assertThat(second.of("GID_away@@@d1")).containsExactly("GID_away@@@d1 OFFLINE",
                            "GID_away@@@d1 OFFLINE", "GID_away@@@d1 ONLINE", "GID_away@@@d1 OFFLINE",
                            "GID_away@@@d1 OFFLINE"));
        } finally {
            restarted.stop();
        }
    }

    @Test
    void throwingListener_theEventIsDeliveredAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Set<String> processed = ConcurrentHashMap.newKeySet();
        ServerConsumer consumer = ServerSdk.consumer(broker, ADMIN);
        consumer.subscribeStatus("GID_flaky", notice -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("listener failure on the first attempt");
            }
            processed.add(notice.getClientId() + " " + notice.getStatusType());
        });
        try {
            Mqtt5BlockingClient device = Clients.hive5(broker, "GID_flaky@@@d1");
            device.connect();
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S))
                    .untilAsserted(() -> assertThat(processed).contains("GID_flaky@@@d1 ONLINE"));
            assertThat(attempts.get()).isGreaterThanOrEqualTo(2);
            device.disconnect();
        } finally {
            consumer.stop();
        }
    }

    @Test
    void competingConsumers_eachEventReachesTheGroupOnce_inOrderPerClient() throws Exception {
        ServerSdk.Notices a = new ServerSdk.Notices();
        ServerSdk.Notices b = new ServerSdk.Notices();
        ServerConsumer first = ServerSdk.consumer(broker, ADMIN);
        ServerConsumer second = ServerSdk.consumer(broker, ADMIN);
        first.subscribeStatus("GID_shared", a::add);
        second.subscribeStatus("GID_shared", b::add);
        try {
            for (int i = 0; i < 20; i++) {
                Mqtt5BlockingClient d = Clients.hive5(broker, "GID_shared@@@d" + i);
                d.connect();
                d.disconnect();
            }
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S))
                    .until(() -> a.all.size() + b.all.size() == 60);
            for (int i = 0; i < 20; i++) {
                String id = "GID_shared@@@d" + i;
                List<String> merged = new java.util.ArrayList<>(a.of(id));
                merged.addAll(b.of(id));
                assertThat(merged).containsExactlyInAnyOrder(id + " ONLINE", id + " OFFLINE", id + " OFFLINE");
            }
        } finally {
            first.stop();
            second.stop();
        }
    }
}
