package io.pulsemq.it;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.model.StatusType;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker node that dies or freezes, in a cluster of two in-process nodes ({@code a}, {@code b}) and one child process
 * ({@code c}, {@code d}: a real process, for {@code kill -9} and {@code SIGSTOP}), on a three-server NATS cluster: the
 * survivors end each of its connections once, with {@code tcpclean}/{@code server_crash} and {@code node} = the dead
 * node, seen on every node, by an SSE stream and by the published server SDK; a frozen node that resumes logs
 * nothing stale and closes the connections it no longer owns.
 */
class ClusterFailoverIT {

    private static ClusterFixture cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ClusterFixture.start(2);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killedNode_everyClientOfflineWithServerCrash_once_onEveryNode_sseAndServerSdk(@TempDir Path dir)
            throws Exception {
        ChildBroker c = ChildBroker.start(dir, cluster.childEnvironment("c", 2));
        ServerSdk.Notices notices = new ServerSdk.Notices();
        ServerConsumer sdk = ServerSdk.consumer(cluster.node(1), CAR_SERVER);
        sdk.subscribeStatus("GID_car", notices::add);
        ApiClient onA = new ApiClient(cluster.node(0).httpPort());
        try (SseStream sse = SseStream.open(onA, "group=GID_car", ADMIN, null)) {
            BoundPorts ports = c.awaitPorts();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = Clients.unique("GID_car@@@crash");
                ids.add(id);
                MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(ports.mqtt())
                        .buildBlocking().connect();
            }
            for (String id : ids) {
                assertThat(onA.getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN).path("node").asText())
                        .isEqualTo("c");
            }

            c.close(); // SIGKILL

            for (BrokerFixture survivor : cluster.nodes()) {
                ApiClient api = new ApiClient(survivor.httpPort());
                await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() -> {
                    for (String id : ids) {
                        var status = api.getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN);
                        assertThat(status.path("online").asBoolean()).as(id).isFalse();
                        assertThat(status.path("lastReason").asText()).isEqualTo("server_crash");
                        assertThat(status.path("node").asText()).isEqualTo("c");
                    }
                });
            }
            Map<String, List<StatusEvent>> events = cluster.eventsByClient(1);
            for (String id : ids) {
                assertThat(events.get(id)).extracting(StatusEvent::eventType)
                        .containsExactly(EventType.CONNECT, EventType.TCPCLEAN);
                assertThat(events.get(id).get(1).reason()).isEqualTo(DisconnectReason.SERVER_CRASH);
                ClusterIT.assertWellFormed(id, events.get(id));
            }
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(sse.events().stream().filter(e -> e.clientId().equals(id)).map(SseStream.Event::type))
                            .containsExactly("connect", "tcpclean");
                    assertThat(notices.count(id, StatusType.OFFLINE)).isEqualTo(1);
                }
            });
        } finally {
            sdk.stop();
        }
    }

    @Test
    void frozenNode_pastTheTimeout_logsNothingStale_andClosesItsConnectionsWhenResumed(@TempDir Path dir)
            throws Exception {
        ChildBroker d = ChildBroker.start(dir, cluster.childEnvironment("d", 1));
        try {
            BoundPorts ports = d.awaitPorts();
            List<String> ids = new ArrayList<>();
            List<CompletableFuture<Void>> closed = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = Clients.unique("GID_frozen@@@dev");
                ids.add(id);
                CompletableFuture<Void> ended = new CompletableFuture<>();
                closed.add(ended);
                MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(ports.mqtt())
                        .addDisconnectedListener(ctx -> ended.complete(null)).buildBlocking().connect();
            }
            ApiClient onB = new ApiClient(cluster.node(1).httpPort());

            d.signal("STOP");
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(onB.getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN).path("lastReason").asText())
                            .as(id).isEqualTo("server_crash");
                }
            });
            long endedAt = cluster.node(1).broker().statusLog().lastOffset();
            d.signal("CONT");

            // resumed, it learns from the stream that its connections were ended, and closes them
            CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0])).get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
            // it is alive again (its heartbeats are heard) and has logged nothing for these clients since
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() ->
                    cluster.node(0).broker().cluster().aliveNodes().contains("d"));
            Map<String, List<StatusEvent>> events = cluster.eventsByClient(0);
            for (String id : ids) {
                assertThat(events.get(id)).extracting(StatusEvent::eventType)
                        .containsExactly(EventType.CONNECT, EventType.TCPCLEAN);
                assertThat(events.get(id).get(1).offset()).isLessThanOrEqualTo(endedAt);
            }
        } finally {
            d.signal("CONT");
            d.close();
        }
    }
}
