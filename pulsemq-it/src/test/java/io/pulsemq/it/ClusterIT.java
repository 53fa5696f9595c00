package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three broker nodes on a three-server NATS JetStream cluster (CONTRACT.md section 8): a query on any node sees what
 * any node acknowledged before it, a takeover across nodes logs the old connection's end before the new connect, and
 * a kick works from any node.
 */
class ClusterIT {

    private static ClusterFixture cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ClusterFixture.start(3);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void queryOnAnotherNode_rightAfterConnAck_seesTheClientOnline() {
        List<Mqtt5BlockingClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                BrokerFixture owner = cluster.node(i % 3);
                BrokerFixture other = cluster.node((i + 1) % 3);
                String id = Clients.unique("GID_ryw@@@dev");
                Mqtt5BlockingClient c = Clients.connectedHive5(owner, id);
                clients.add(c);
                JsonNode status = new ApiClient(other.httpPort()).getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN);
                assertThat(status.path("online").asBoolean()).as("%s right after its CONNACK from node %s", id,
                        owner.config().node()).isTrue();
                assertThat(status.path("node").asText()).isEqualTo(owner.config().node());
                c.disconnect(); // not acknowledged: its end is logged soon after, not before the call returns
                await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> !new ApiClient(other.httpPort())
                        .getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN).path("online").asBoolean());
            }
        } finally {
            clients.forEach(c -> {
                if (c.getState().isConnected()) {
                    c.disconnect();
                }
            });
        }
    }

    @Test
    void takeoverOnAnotherNode_endsTheOldConnectionFirst_andLogsItsEndBeforeTheNewConnect() throws Exception {
        String id = Clients.unique("GID_move@@@dev");
        CompletableFuture<Throwable> firstEnded = new CompletableFuture<>();
        Mqtt5BlockingClient first = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(cluster.node(0).mqttPort()).addDisconnectedListener(ctx -> firstEnded.complete(ctx.getCause()))
                .buildBlocking();
        first.connect();
        Mqtt5BlockingClient second = Clients.connectedHive5(cluster.node(1), id);
        Throwable cause = firstEnded.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
        assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
        second.disconnect();

        // the DISCONNECT's tcpclean is logged after the client has sent it
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> cluster.eventsByClient(2).get(id).size() == 5);
        List<StatusEvent> events = cluster.eventsByClient(2).get(id);
        assertThat(events).extracting(StatusEvent::eventType).containsExactly(EventType.CONNECT, EventType.TCPCLEAN,
                EventType.CONNECT, EventType.DISCONNECT, EventType.TCPCLEAN);
        assertThat(events).extracting(StatusEvent::version).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(events.get(1).reason()).isEqualTo(DisconnectReason.SESSION_TAKEN_OVER);
        assertThat(events).extracting(StatusEvent::node).containsExactly("a", "a", "b", "b", "b");
        assertThat(events.get(1).channelId()).isEqualTo(events.get(0).channelId());
    }

    @Test
    void sameClientRacingOnThreeNodes_eventsNeverInterleave_andVersionsHaveNoGap() throws Exception {
        String id = Clients.unique("GID_race@@@dev");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Mqtt5BlockingClient> all = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                BrokerFixture node = cluster.node(n);
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        Mqtt5BlockingClient c = Clients.hive5(node, id);
                        all.add(c);
                        try {
                            c.connect();
                        } catch (RuntimeException refusedOrTakenOver) {
                            // a connect may lose the race (taken over at once, or refused 0x88 and retried later)
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> r : runs) {
                r.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (Mqtt5BlockingClient c : all) {
            if (c.getState().isConnected()) {
                try {
                    c.disconnect();
                } catch (RuntimeException alreadyGone) {
                    // taken over meanwhile
                }
            }
        }
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() -> assertThat(new ApiClient(
                cluster.node(0).httpPort()).getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN)
                .path("online").asBoolean()).isFalse());
        List<StatusEvent> events = cluster.eventsByClient(1).get(id);
        assertThat(events).hasSizeGreaterThanOrEqualTo(2);
        assertWellFormed(id, events);
    }

    @Test
    void kickOnAnotherNode_disconnectsTheClientWhereItIs() throws Exception {
        String id = Clients.unique("GID_kick@@@dev");
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(cluster.node(2).mqttPort()).addDisconnectedListener(ctx -> ended.complete(ctx.getCause()))
                .buildBlocking();
        c.connect();
        JsonNode kicked = new ApiClient(cluster.node(0).httpPort())
                .postJson("/api/v1/clients/" + ApiClient.enc(id) + "/disconnect", "", ADMIN);
        assertThat(kicked.path("disconnected").asBoolean()).isTrue();
        assertThat(((Mqtt5DisconnectException) ended.get(Clients.TIMEOUT_S, TimeUnit.SECONDS)).getMqttMessage()
                .getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
        JsonNode status = new ApiClient(cluster.node(1).httpPort()).getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN);
        assertThat(status.path("online").asBoolean()).isFalse();
        assertThat(status.path("lastReason").asText()).isEqualTo("kicked");
    }

    @Test
    void clusterStatusCommand_listsEveryNodeAlive_withItsClients_andTheStream() throws Exception {
        String id = Clients.unique("GID_cli@@@dev");
        Mqtt5BlockingClient c = Clients.connectedHive5(cluster.node(1), id);
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            Map<String, String> env = Map.of("PULSEMQ_URL", "http://127.0.0.1:" + cluster.node(0).httpPort(),
                    "PULSEMQ_ACCESS_KEY", ADMIN.id(), "PULSEMQ_SECRET_KEY", ADMIN.secret());
            // every node has heard the others once their heartbeats crossed
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() ->
                    cluster.node(0).broker().cluster().aliveNodes().size() == 2);
            int code = io.pulsemq.broker.bootstrap.Main.execute(new String[]{"cluster", "status"}, env,
                    new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                    new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8), false);
            String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(code).as(text + err).isZero();
            assertThat(text).containsPattern("node a +alive .*\\(this node\\)").containsPattern("node b +alive +[1-9]")
                    .containsPattern("node c +alive").contains("nats   CONNECTED").contains("stream PULSEMQ_STATUS")
                    .containsPattern("leader n\\d").contains("replica");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void publishOnOneNode_reachesSubscribersOnTheOthers_qos0to2_sharedOnce_retainedEverywhere() throws Exception {
        String topic = Clients.unique("cluster/route");
        Mqtt5BlockingClient subB = Clients.connectedHive5(cluster.node(1), Clients.unique("GID_sub@@@b"));
        Mqtt5BlockingClient subC = Clients.connectedHive5(cluster.node(2), Clients.unique("GID_sub@@@c"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(cluster.node(0), Clients.unique("GID_pub@@@a"));
        try (var onB = subB.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
             var onC = subC.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            subB.subscribeWith().topicFilter(topic + "/#").qos(com.hivemq.client.mqtt.datatypes.MqttQos.EXACTLY_ONCE).send();
            subC.subscribeWith().topicFilter("$share/g/" + topic + "/shared").qos(
                    com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send();
            // the other nodes learn a subscription within one NATS round trip after its SUBACK
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                pub.publishWith().topic(topic + "/probe").send();
                return onB.receive(100, TimeUnit.MILLISECONDS).isPresent();
            });
            while (onB.receive(200, TimeUnit.MILLISECONDS).isPresent()) {
                // drain the probes
            }
            for (com.hivemq.client.mqtt.datatypes.MqttQos qos : com.hivemq.client.mqtt.datatypes.MqttQos.values()) {
                pub.publishWith().topic(topic + "/q").qos(qos).payload(Clients.utf8("m" + qos.getCode())).send();
                var got = onB.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow();
                assertThat(new String(got.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo("m" + qos.getCode());
                assertThat(got.getQos()).isEqualTo(qos);
            }
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                pub.publishWith().topic(topic + "/shared").qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .send();
                return onC.receive(100, TimeUnit.MILLISECONDS).isPresent();
            });
            pub.publishWith().topic(topic + "/kept").retain(true).payload(Clients.utf8("kept")).send();
            Mqtt5BlockingClient late = Clients.connectedHive5(cluster.node(2), Clients.unique("GID_late@@@c"));
            try (var onLate = late.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                    late.subscribeWith().topicFilter(topic + "/kept").send();
                    return onLate.receive(200, TimeUnit.MILLISECONDS)
                            .filter(m -> m.isRetain() && new String(m.getPayloadAsBytes(),
                                    java.nio.charset.StandardCharsets.UTF_8).equals("kept")).isPresent();
                });
            } finally {
                late.disconnect();
            }
        } finally {
            pub.disconnect();
            subB.disconnect();
            subC.disconnect();
        }
    }

    @Test
    void persistentSession_movesToAnotherNode_withItsSubscriptionAndQueuedMessages() throws Exception {
        String id = Clients.unique("GID_move@@@persistent");
        String topic = Clients.unique("cluster/queued");
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(cluster.node(0).mqttPort()).buildBlocking();
        device.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        device.subscribeWith().topicFilter(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = Clients.connectedHive5(cluster.node(1), Clients.unique("GID_pub@@@b"));
        try (var probe = device.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            // node b has learned the subscription once a message of its reaches the device
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                pub.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8("probe")).send();
                return probe.receive(200, TimeUnit.MILLISECONDS).isPresent();
            });
        }
        device.disconnect();
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> !new ApiClient(cluster.node(2).httpPort())
                .getJson("/api/v1/clients/" + ApiClient.enc(id), ADMIN).path("online").asBoolean());
        for (int i = 0; i < 5; i++) { // queued on node a for the offline session
            pub.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("q" + i)).send();
        }
        Mqtt5BlockingClient moved = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(cluster.node(2).mqttPort()).buildBlocking();
        try (var received = moved.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, true)) {
            var connAck = moved.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            assertThat(connAck.isSessionPresent()).as("the session came from node a").isTrue();
            List<String> got = new ArrayList<>();
            while (got.size() < 5) { // a late probe may come first
                var m = received.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow();
                String payload = new String(m.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!payload.equals("probe")) {
                    got.add(payload);
                }
            }
            assertThat(got).containsExactly("q0", "q1", "q2", "q3", "q4");
            // the subscription moved too: a new message reaches the device on its new node
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                pub.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8("after")).send();
                return received.receive(200, TimeUnit.MILLISECONDS)
                        .filter(m -> new String(m.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)
                                .equals("after")).isPresent();
            });
        } finally {
            moved.disconnectWith().sessionExpiryInterval(0).send();
            pub.disconnect();
        }
        assertThat(cluster.node(0).broker().sessions().get(id)).as("node a gave the session up").isNull();
    }

    @Test
    void presenceTrackerOnNodeA_mirrorsExactly_whileClientsChurnOnBAndC() throws Exception {
        io.pulsemq.sdk.StatusClient client = io.pulsemq.sdk.StatusClient.builder()
                .baseUrl("http://127.0.0.1:" + cluster.node(0).httpPort()).accessKey(ADMIN.id())
                .secretKey(ADMIN.secret()).build();
        Map<String, RawMqttClient> open = new java.util.HashMap<>();
        java.util.Random random = new java.util.Random(14);
        try (io.pulsemq.sdk.PresenceTracker tracker = io.pulsemq.sdk.PresenceTracker.builder().client(client)
                .group("GID_track").build()) {
            churn(random, open, 60, 150);
            tracker.start();
            assertThat(tracker.awaitSynced(java.time.Duration.ofSeconds(Clients.TIMEOUT_S))).isTrue();
            churn(random, open, 60, 300);
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() ->
                    assertThat(tracker.onlineClients()).containsExactlyInAnyOrderElementsOf(open.keySet()));
        } finally {
            for (RawMqttClient c : open.values()) {
                c.close();
            }
            client.close();
        }
    }

    @Test
    void willOfAClientLostOnOneNode_reachesASubscriberOnAnother() throws Exception {
        String topic = Clients.unique("cluster/will");
        Mqtt5BlockingClient listener = Clients.connectedHive5(cluster.node(1), Clients.unique("GID_will@@@listener"));
        try (var wills = listener.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            listener.subscribeWith().topicFilter(topic).send();
            Mqtt5BlockingClient pub = Clients.connectedHive5(cluster.node(0), Clients.unique("GID_will@@@probe"));
            await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).until(() -> {
                pub.publishWith().topic(topic).payload(Clients.utf8("probe")).send();
                return wills.receive(200, TimeUnit.MILLISECONDS).isPresent();
            });
            pub.disconnect();
            while (wills.receive(200, TimeUnit.MILLISECONDS).isPresent()) {
                // late probes
            }
            RawMqttClient device = RawMqttClient.connectAccepted(cluster.node(0),
                    RawMqttClient.Connect.v311(Clients.unique("GID_will@@@device")).will(topic, "gone", 1, false));
            device.close(); // lost without DISCONNECT: node a publishes its will
            var will = wills.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow();
            assertThat(new String(will.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("gone");
        } finally {
            listener.disconnect();
        }
    }

    @Test
    void aSecondBrokerWithARunningNodesName_refusesToStart_namingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerFixture.start(c -> c.withNode("b")
                        .withCluster(cluster.clusterConfig(0))))
                .hasMessageContaining("another running broker is node 'b'").hasMessageContaining("PULSEMQ_NODE");
    }

    @Test
    void banOnOneNode_refusesOnAnother_andLiftingItOnAThirdLetsTheClientIn() throws Exception {
        String id = Clients.unique("GID_banned@@@dev");
        ApiClient onA = new ApiClient(cluster.node(0).httpPort());
        assertThat(onA.post("/api/v1/bans", "{\"kind\":\"clientId\",\"value\":\"" + id
                + "\",\"duration\":\"1h\",\"reason\":\"stolen\"}", ADMIN).statusCode()).isEqualTo(201);
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(() ->
                        Clients.hive5(cluster.node(1), id).connect(), com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class).getMqttMessage().getReasonCode())
                        .isEqualTo(com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode.BANNED));
        ApiClient onC = new ApiClient(cluster.node(2).httpPort());
        assertThat(onC.send(onC.request("/api/v1/bans/clientId/" + ApiClient.enc(id), ADMIN).DELETE().build())
                .statusCode()).isEqualTo(204);
        Mqtt5BlockingClient in = await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            Mqtt5BlockingClient c = Clients.hive5(cluster.node(1), id);
            c.connect();
            return c;
        }, c -> true);
        in.disconnect();
    }

    @Test
    void deviceCredentialIssuedOnOneNode_worksOnAnother_andItsRevocationOnAThirdCutsItOff() throws Exception {
        String id = Clients.unique("GID_car@@@credential");
        var issued = ApiClient.json(new ApiClient(cluster.node(0).httpPort()).post("/api/v1/device-credentials",
                "{\"clientId\":\"" + id + "\"}", ADMIN).body());
        String username = issued.get("username").asText();
        byte[] password = Clients.utf8(io.pulsemq.protocol.Signatures.hmacSha1Base64(issued.get("deviceAccessKeySecret").asText(), id));
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<Throwable>> ended =
                new java.util.concurrent.atomic.AtomicReference<>(new CompletableFuture<>());
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(cluster.node(1).mqttPort())
                .addDisconnectedListener(ctx -> ended.get().complete(ctx.getCause())).buildBlocking();
        // node b knows the credential issued on node a once it accepts it
        await().atMost(Clients.TIMEOUT_S, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            device.connectWith().simpleAuth().username(username).password(password).applySimpleAuth().send();
            return true;
        });
        CompletableFuture<Throwable> cut = new CompletableFuture<>();
        ended.set(cut);
        assertThat(new ApiClient(cluster.node(2).httpPort()).send(new ApiClient(cluster.node(2).httpPort())
                .request("/api/v1/device-credentials/" + ApiClient.enc(id), ADMIN).DELETE().build()).statusCode())
                .isIn(200, 204);
        // node b learns of the revocation and disconnects the device that logged in with it
        assertThat(((com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException) cut.get(Clients.TIMEOUT_S,
                TimeUnit.SECONDS)).getMqttMessage().getReasonCode()).isEqualTo(
                com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    }

    @Test
    void messagePublishedOnAnotherNodeRightAfterTheSuback_arrives() throws Exception {
        Mqtt5BlockingClient sub = Clients.connectedHive5(cluster.node(1), Clients.unique("GID_suback@@@sub"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(cluster.node(0), Clients.unique("GID_suback@@@pub"));
        try (var received = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            for (int i = 0; i < 20; i++) {
                String topic = Clients.unique("cluster/suback"); // a filter no node has yet
                sub.subscribeWith().topicFilter(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .send();
                pub.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8("m" + i)).send();
                var m = received.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(m).as("message %d, published right after its subscription's SUBACK", i).isPresent();
                assertThat(m.get().getTopic().toString()).isEqualTo(topic);
            }
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }

    /** Connects (on node b or c, taking over where the client is), disconnects or drops clients at random. */
    private static void churn(java.util.Random random, Map<String, RawMqttClient> open, int clients, int ops)
            throws java.io.IOException {
        for (int i = 0; i < ops; i++) {
            String id = "GID_track@@@dev" + random.nextInt(clients);
            RawMqttClient c = open.remove(id);
            int op = c == null ? 0 : random.nextInt(3);
            if (op == 1) {
                c.disconnect();
                c.close();
                continue;
            }
            if (op == 2) {
                c.close(); // the connection is lost, no DISCONNECT
                continue;
            }
            open.put(id, RawMqttClient.connectAccepted(cluster.node(1 + random.nextInt(2)),
                    RawMqttClient.Connect.v311(id)));
            if (c != null) {
                c.close(); // taken over
            }
        }
    }

    /**
     * One client's events as the contract has them: versions 1, 2, 3, ... without a gap; a {@code connect}, then its
     * end ({@code tcpclean}, after a {@code disconnect} when the client said goodbye) naming the same connection,
     * before the next {@code connect}.
     */
    static void assertWellFormed(String clientId, List<StatusEvent> events) {
        String open = null;
        for (int i = 0; i < events.size(); i++) {
            StatusEvent e = events.get(i);
            assertThat(e.version()).as("%s: version of event %d in %s", clientId, i, events).isEqualTo(i + 1L);
            switch (e.eventType()) {
                case CONNECT -> {
                    assertThat(open).as("%s: a connect while %s is open, in %s", clientId, open, events).isNull();
                    open = e.channelId();
                }
                case DISCONNECT -> assertThat(e.channelId()).as("%s: disconnect of the open connection", clientId)
                        .isEqualTo(open);
                case TCPCLEAN -> {
                    assertThat(e.channelId()).as("%s: end of the open connection, in %s", clientId, events)
                            .isEqualTo(open);
                    open = null;
                }
                default -> throw new AssertionError("unexpected " + e);
            }
        }
    }

    /** The events of every client, each well formed (see {@link #assertWellFormed}). */
    static void assertAllWellFormed(Map<String, List<StatusEvent>> byClient) {
        byClient.forEach(ClusterIT::assertWellFormed);
    }
}
