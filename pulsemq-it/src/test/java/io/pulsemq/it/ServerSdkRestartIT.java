package io.pulsemq.it;

import com.alibaba.mqtt.server.ServerConsumer;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The server SDK across a broker restart: it reconnects by itself and no status event is lost. */
class ServerSdkRestartIT {

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
    void brokerRestart_sdkRecovers_andEveryEventArrives() throws Exception {
        ServerSdk.Notices notices = new ServerSdk.Notices();
        ServerConsumer consumer = ServerSdk.consumer(broker, CAR_SERVER);
        consumer.subscribeStatus("GID_car", notices::add);
        try {
            Mqtt5BlockingClient before = Clients.hive5(broker, "GID_car@@@before");
            before.connect();
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S))
                    .until(() -> notices.of("GID_car@@@before").size() == 1);
            Mqtt5BlockingClient online = Clients.hive5(broker, "GID_car@@@online");
            online.connect(); // still online when the broker stops: tcpclean/server_shutdown

            broker.restartOnSamePorts();

            Mqtt5BlockingClient after = Clients.hive5(broker, "GID_car@@@after");
            after.connect();
            after.disconnect();
            // At-least-once: a notice in flight when the broker stopped may come again after the restart, so
            // the check is no loss and per-client order (each list holds the expected ones in order, ends with
            // the last one), not the absence of a redelivery.
            await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).untilAsserted(() -> {
                assertNoLossInOrder(notices.of("GID_car@@@before"), "GID_car@@@before ONLINE", "GID_car@@@before OFFLINE");
                assertNoLossInOrder(notices.of("GID_car@@@online"), "GID_car@@@online ONLINE", "GID_car@@@online OFFLINE");
                assertNoLossInOrder(notices.of("GID_car@@@after"),
                        "GID_car@@@after ONLINE", "GID_car@@@after OFFLINE", "GID_car@@@after OFFLINE");
            });
        } finally {
            consumer.stop();
        }
    }

    private static void assertNoLossInOrder(java.util.List<String> received, String... expected) {
        assertThat(received).containsSubsequence(expected);
        assertThat(received).last().isEqualTo(expected[expected.length - 1]);
    }
}
