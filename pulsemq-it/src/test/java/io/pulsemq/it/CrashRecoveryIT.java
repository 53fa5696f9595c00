package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker running as a child process is killed with SIGKILL; the next start marks every client
 * that was online offline with {@code tcpclean}/{@code server_crash} before it accepts connections,
 * versions continue without gaps, and the wills of the connections the crash cut are published.
 */
class CrashRecoveryIT {

    @TempDir
    Path dataDir;

    @Test
    void sigkill_nextStartLogsServerCrashForEveryOnlineClient() throws Exception {
        ChildBroker child = ChildBroker.start(dataDir,
                Map.of("PULSEMQ_HTTP_PUBLICMETRICS", "true")); // the test reads /metrics without the generated key
        List<Mqtt5BlockingClient> clients = new ArrayList<>();
        try {
            BoundPorts ports = child.awaitPorts();
            for (String id : List.of("GID_crash@@@a", "GID_crash@@@b", "GID_crash@@@c")) {
                Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                        .serverHost("127.0.0.1").serverPort(ports.mqtt()).buildBlocking();
                if (id.endsWith("a")) { // a's connection is lost in the crash, so its will stands
                    c.connectWith().willPublish().topic("crash/a").payload("a lost".getBytes(StandardCharsets.UTF_8))
                            .qos(MqttQos.AT_LEAST_ONCE).retain(true).applyWillPublish().send();
                } else {
                    c.connect();
                }
                clients.add(c);
            }
            Mqtt5BlockingClient gone = MqttClient.builder().useMqttVersion5().identifier("GID_crash@@@gone")
                    .serverHost("127.0.0.1").serverPort(ports.mqtt()).buildBlocking();
            gone.connect();
            gone.disconnect();
            // The broker has logged the goodbye once its metrics count three clients online.
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.http() + "/metrics")).build();
            await().until(() -> http.send(metrics, HttpResponse.BodyHandlers.ofString()).body()
                    .contains("pulsemq_clients_online 3.0"));
        } finally {
            child.close(); // SIGKILL: no shutdown hook runs
        }

        try (Broker restarted = Broker.start(BrokerFixture.defaultConfig(dataDir))) {
            for (String id : List.of("GID_crash@@@a", "GID_crash@@@b", "GID_crash@@@c")) {
                ClientStatus s = restarted.presence().get(id);
                assertThat(s.online()).as(id).isFalse();
                assertThat(s.lastReason()).isEqualTo("server_crash");
                assertThat(s.version()).isEqualTo(2);
            }
            assertThat(restarted.presence().get("GID_crash@@@gone").lastReason()).isEqualTo("client_disconnect");
            List<StatusEvent> crashes = new ArrayList<>();
            restarted.statusLog().read(0, 1000, EventFilter.ALL, e -> {
                if (e.event().reason() == DisconnectReason.SERVER_CRASH) {
                    crashes.add(e.event());
                }
                return true;
            });
            assertThat(crashes).extracting(StatusEvent::clientId)
                    .containsExactlyInAnyOrder("GID_crash@@@a", "GID_crash@@@b", "GID_crash@@@c");
            assertThat(crashes).extracting(StatusEvent::eventType).containsOnly(EventType.TCPCLEAN);

            try (Clients.Subscriber sub = subscriber(restarted, "crash/a")) {
                assertThat(sub.expectNext("a lost").isRetain()).isTrue();
            }

            Mqtt5BlockingClient again = MqttClient.builder().useMqttVersion5().identifier("GID_crash@@@a")
                    .serverHost("127.0.0.1").serverPort(restarted.ports().mqtt()).buildBlocking();
            again.connect();
            assertThat(restarted.presence().get("GID_crash@@@a").version()).isEqualTo(3);
            again.disconnect();
        }
    }

    @Test
    void gracefulStop_logsServerShutdownAndRestartContinuesVersions() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            Mqtt5BlockingClient c = Clients.hive5(broker, "GID_stop@@@a");
            c.connect();
            broker.restart();

            ClientStatus s = broker.broker().presence().get("GID_stop@@@a");
            assertThat(s.online()).isFalse();
            assertThat(s.lastReason()).isEqualTo("server_shutdown");
            assertThat(s.version()).isEqualTo(2);
        }
    }

    /** A v5 client of {@code broker} subscribed to {@code filter}. */
    private static Clients.Subscriber subscriber(Broker broker, String filter) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("crash-watcher")
                .serverHost("127.0.0.1").serverPort(broker.ports().mqtt()).buildBlocking();
        Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL);
        c.connect();
        c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        return new Clients.Subscriber(c, publishes);
    }
}
