package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The NATS servers under the brokers fail (CONTRACT.md section 8, issue 14): losing one of three loses no
 * acknowledged event and leaves no version gap while clients churn through three nodes; losing two (no JetStream
 * majority) refuses new connections with 0x88 Server unavailable, never a CONNACK without a durable event, reports
 * not ready, and recovers by itself when they are back.
 */
class ClusterNatsFailureIT {

    private ClusterFixture cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = ClusterFixture.start(3);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void oneNatsServerKilledDuringChurn_noAcknowledgedEventLost_noVersionGap() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(Clients.unique("GID_churn@@@dev"));
        }
        Map<String, AtomicInteger> acked = new ConcurrentHashMap<>();
        AtomicInteger rounds = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(ids.size());
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            int first = i;
            runs.add(pool.submit(() -> {
                for (int round = 0; !stop.get(); round++) {
                    BrokerFixture node = cluster.node((first + round) % 3);
                    Mqtt5BlockingClient c = Clients.hive5(node, id);
                    try {
                        c.connect();
                    } catch (RuntimeException refused) {
                        continue; // 0x88 while its node's NATS connection moves to another server: not acknowledged
                    }
                    acked.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    rounds.incrementAndGet();
                    try {
                        c.disconnect();
                    } catch (RuntimeException lost) {
                        // its node lost it meanwhile: the end is logged all the same
                    }
                }
                return null;
            }));
        }
        try {
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> rounds.get() >= 60);
            cluster.nats().kill(0); // the first server of node a's list, and one of every node's
            int before = rounds.get();
            await().atMost(120, TimeUnit.SECONDS).until(() -> rounds.get() >= before + 60);
        } finally {
            stop.set(true);
            for (Future<?> r : runs) {
                r.get(120, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
        for (String id : ids) {
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> !new ApiClient(cluster.node(1).httpPort())
                    .getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN).path("online").asBoolean());
        }
        Map<String, List<StatusEvent>> events = cluster.eventsByClient(2);
        for (String id : ids) {
            List<StatusEvent> mine = events.get(id);
            ClusterIT.assertWellFormed(id, mine);
            long connects = mine.stream().filter(e -> e.eventType() == EventType.CONNECT).count();
            // every CONNACK had its connect durable first; a connect may also be durable and its CONNACK lost
            assertThat(connects).as(id).isGreaterThanOrEqualTo(acked.get(id).get());
        }
    }

    @Test
    void qos1AcrossNodes_whileANatsServerIsKilled_everyAcknowledgedMessageArrives() throws Exception {
        String topic = Clients.unique("cluster/qos1");
        Mqtt5BlockingClient sub = Clients.connectedHive5(cluster.node(1), Clients.unique("GID_q1@@@sub"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(cluster.node(0), Clients.unique("GID_q1@@@pub"));
        Set<String> received = ConcurrentHashMap.newKeySet();
        sub.toAsync().subscribeWith().topicFilter(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .callback(m -> received.add(new String(m.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)))
                .send().get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
            pub.publishWith().topic(topic).payload(Clients.utf8("probe")).send();
            return received.contains("probe");
        });
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            if (i == 100) {
                cluster.nats().kill(0); // node a's server: it moves to another, what was in flight is sent again
            }
            String payload = "m" + i;
            try {
                pub.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8(payload)).send();
                acknowledged.add(payload);
            } catch (RuntimeException notAcknowledged) {
                // the publisher's connection may go with it; what was not acknowledged is not promised
                if (!pub.getState().isConnected()) {
                    pub.connect();
                }
            }
        }
        assertThat(acknowledged).hasSizeGreaterThan(300);
        await().atMost(60, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(received).containsAll(acknowledged));
        pub.disconnect();
        sub.disconnect();
    }

    @Test
    void natsMajorityLost_connectsRefusedServerUnavailable_notReady_thenRecoversByItself() throws Exception {
        BrokerFixture node = cluster.node(2);
        ApiClient api = new ApiClient(node.httpPort());
        assertThat(api.get("/health/ready", null).statusCode()).isEqualTo(200);

        cluster.nats().kill(0);
        cluster.nats().kill(1);

        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> api.get("/health/ready", null).statusCode() == 503);
        assertThat(ApiClient.json(api.get("/health/ready", null).body()).path("status").asText()).isEqualTo("DOWN");
        String id = Clients.unique("GID_quorum@@@dev");
        assertThatThrownBy(() -> Clients.hive5(node, id).connect())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                        assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE));

        cluster.nats().restart(0);
        cluster.nats().restart(1);

        await().atMost(90, TimeUnit.SECONDS).until(() -> api.get("/health/ready", null).statusCode() == 200);
        Mqtt5BlockingClient c = await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            Mqtt5BlockingClient attempt = Clients.hive5(node, id);
            attempt.connect();
            return attempt;
        }, a -> true);
        assertThat(new ApiClient(cluster.node(0).httpPort()).getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN)
                .path("online").asBoolean()).isTrue();
        c.disconnect();
    }
}
