package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import io.pulsemq.broker.config.TlsConfig;
import io.pulsemq.broker.limits.ConnectionSlots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The MQTT limits as real clients meet them: the reason code each MQTT version gets, the refused CONNECT in the
 * client's trace, and the hit in {@code pulsemq_limit_hits_total}. Each test sets its limit small.
 */
class MqttLimitsIT {

    @Test
    void maxConnections_overAllListeners_refusesV5With0x97AndV311WithCode3_inTheTrace_untilOneLeaves() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withConnectionLimits(2, 0, 0, 0)))) {
            Mqtt5BlockingClient overTcp = Clients.connectedHive5(broker, unique("mc"));
            Clients.Paho3 overWebSocket = Clients.connectedPaho3(broker.wsUri(), unique("mc"),
                    MqttConnectOptions.MQTT_VERSION_3_1_1);
            String refusedId = unique("GID_lim@@@mc");

            assertThat(connAckRefusal(broker, refusedId)).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
            assertThat(paho3Refusal(broker, unique("mc"))).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);

            assertThat(lastTraceItem(broker, refusedId).get("reason").asText()).isEqualTo("quota_exceeded");
            assertThat(lastTraceItem(broker, refusedId).get("remark").asText()).contains("mqtt.maxConnections");
            assertThat(broker.limitHits("mqtt.maxConnections")).isEqualTo(2);

            overWebSocket.close();
            await().untilAsserted(() -> assertThat(connAckRefusal(broker, unique("mc"))).isNull());
            overTcp.disconnect();
        }
    }

    @Test
    void maxConnections_silentSocketsOnTcpWebSocketAndTls_holdTheSlots_realClientsAreRefused_untilTheSocketsClose(
            @TempDir Path pkiDir) throws Exception {
        TestPki pki = TestPki.create(pkiDir, "limits-it");
        try (BrokerFixture broker = BrokerFixture.start(c -> BrokerFixture.mqtt(m -> m.withConnectionLimits(3, 0, 0, 0))
                .apply(BrokerFixture.tls(pki, TlsConfig.ClientAuth.NONE).apply(c)))) {
            ApiClient api = new ApiClient(broker.httpPort());
            // sockets that never send a byte: no CONNECT, no WebSocket upgrade, no TLS handshake
            List<Socket> silent = List.of(new Socket("127.0.0.1", broker.mqttPort()),
                    new Socket("127.0.0.1", broker.wsPort()), new Socket("127.0.0.1", broker.ports().mqtts()));
            try {
                await().until(() -> api.metric("pulsemq_connections_admitted", BrokerFixture.ADMIN) == 3);

                String refusedId = unique("GID_lim@@@silent");
                assertThat(connAckRefusal(broker, refusedId)).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
                assertThat(paho3Refusal(broker, unique("silent"))).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);
                assertThat(lastTraceItem(broker, refusedId).get("remark").asText()).contains("mqtt.maxConnections");
                assertThat(broker.limitHits("mqtt.maxConnections")).isEqualTo(2);
            } finally {
                close(silent);
            }
            await().untilAsserted(() -> assertThat(connAckRefusal(broker, unique("silent"))).isNull());
        }
    }

    @Test
    void maxConnections_socketsOverTheLimitByMoreThanTheGrace_areClosedWithoutAnAnswer_thoseWithinAreAnswered()
            throws Exception {
        int max = 1;
        int kept = ConnectionSlots.withGrace(max); // the limit and its grace: sockets the broker keeps open at most
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withConnectionLimits(max, 0, 0, 0)))) {
            ApiClient api = new ApiClient(broker.httpPort());
            List<Socket> silent = new ArrayList<>();
            try {
                silent.add(new Socket("127.0.0.1", broker.mqttPort()));
                await().until(() -> api.metric("pulsemq_connections_admitted", BrokerFixture.ADMIN) == max);
                for (int i = max; i < kept; i++) {
                    silent.add(new Socket("127.0.0.1", broker.mqttPort()));
                }
                // every socket over the limit is counted as it is accepted
                await().until(() -> broker.limitHits("mqtt.maxConnections") == kept - max);

                try (Socket beyond = new Socket("127.0.0.1", broker.mqttPort())) {
                    assertThat(answerToConnect(beyond, unique("beyond"))).as("answer to a socket beyond the grace")
                            .isEmpty();
                }
                assertThat(answerToConnect(silent.get(kept - 1), unique("within")))
                        .as("CONNACK to a socket within the grace").containsExactly(0x20, 0x02, 0x00, 0x03);
                assertThat(broker.limitHits("mqtt.maxConnections")).isEqualTo(kept - max + 1);
            } finally {
                close(silent);
            }
        }
    }

    @Test
    void maxConnections_silentSocketsAreClosedAtTheConnectTimeout_andARealClientIsAdmittedThen() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(c -> BrokerFixture.mqtt(m -> m.withConnectionLimits(2, 0, 0, 0))
                .apply(BrokerFixture.connectTimeout(Duration.ofSeconds(1)).apply(c)))) {
            List<Socket> silent = List.of(new Socket("127.0.0.1", broker.mqttPort()),
                    new Socket("127.0.0.1", broker.mqttPort()));
            try {
                for (Socket s : silent) {
                    s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Clients.TIMEOUT_S));
                    assertThat(s.getInputStream().read()).as("closed by the broker, nothing sent").isEqualTo(-1);
                }
                // the slots come back as the broker's side of each socket closes
                await().untilAsserted(() -> assertThat(connAckRefusal(broker, unique("after"))).isNull());
            } finally {
                close(silent);
            }
        }
    }

    @Test
    void maxConnectionsPerAddress_refusesTheAddressOver_with0x97() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withConnectionLimits(100, 1, 0, 0)))) {
            Mqtt5BlockingClient first = Clients.connectedHive5(broker, unique("pa"));
            String refusedId = unique("GID_lim@@@pa");

            assertThat(connAckRefusal(broker, refusedId)).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
            assertThat(lastTraceItem(broker, refusedId).get("remark").asText())
                    .contains("mqtt.maxConnectionsPerAddress", "127.0.0.1");
            assertThat(broker.limitHits("mqtt.maxConnectionsPerAddress")).isEqualTo(1);
            assertThat(broker.limitHits("mqtt.maxConnections")).isZero();
            first.disconnect();
        }
    }

    @Test
    void connectRate_beyondTheBurst_refusesV5With0x9FAndV311WithCode3_inTheTrace() throws Exception {
        // one CONNECT per second after a burst of two: a loop of connects outruns it on any machine
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withConnectionLimits(0, 0, 1, 2)))) {
            List<Mqtt5BlockingClient> connected = new ArrayList<>();
            String refusedId = null;
            for (int i = 0; i < 100 && refusedId == null; i++) {
                String id = unique("GID_lim@@@rate");
                Mqtt5ConnAckReasonCode refusal = connAckRefusal(broker, id, connected);
                if (refusal != null) {
                    assertThat(refusal).isEqualTo(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);
                    refusedId = id;
                }
            }
            assertThat(refusedId).as("a CONNECT refused for its rate").isNotNull();
            int v3Refusal = 0;
            for (int i = 0; i < 100 && v3Refusal == 0; i++) {
                v3Refusal = paho3Refusal(broker, unique("rate"));
            }
            assertThat(v3Refusal).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);

            String id = refusedId;
            assertThat(lastTraceItem(broker, id).get("reason").asText()).isEqualTo("connection_rate_exceeded");
            assertThat(broker.limitHits("mqtt.connectRate")).isGreaterThanOrEqualTo(2);
            connected.forEach(Mqtt5BlockingClient::disconnect);
        }
    }

    @Test
    void maxSubscriptionsPerClient_refusesTheOneTooMany_inSuback_replacingIsAllowed() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withTopicLimits(2, m.maxTopicLength(),
                m.maxTopicLevels())))) {
            Mqtt5BlockingClient v5 = Clients.connectedHive5(broker, unique("subs"));
            Mqtt5Subscribe three = Mqtt5Subscribe.builder()
                    .addSubscription().topicFilter("s/1").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                    .addSubscription().topicFilter("s/2").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                    .addSubscription().topicFilter("s/3").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                    .build();
            assertThatThrownBy(() -> v5.subscribe(three)).isInstanceOfSatisfying(Mqtt5SubAckException.class, e ->
                    assertThat(e.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1,
                            Mqtt5SubAckReasonCode.GRANTED_QOS_1, Mqtt5SubAckReasonCode.QUOTA_EXCEEDED));
            Mqtt5SubAck again = v5.subscribeWith().topicFilter("s/1").qos(MqttQos.EXACTLY_ONCE).send();
            assertThat(again.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
            assertThat(v5.getState().isConnected()).isTrue();

            try (Clients.Paho3 v3 = Clients.connectedPaho3(broker.tcpUri(), unique("subs"),
                    MqttConnectOptions.MQTT_VERSION_3_1_1)) {
                int[] granted = v3.client().subscribeWithResponse(new String[] {"a", "b", "c"}, new int[] {1, 1, 1})
                        .getGrantedQos();
                assertThat(granted).containsExactly(1, 1, 0x80);
            }
            assertThat(broker.limitHits("mqtt.maxSubscriptionsPerClient")).isEqualTo(2);
            v5.disconnect();
        }
    }

    @Test
    void maxTopicLength_publish_v5Qos1GetsPuback0x90_qos0AndV311AreDisconnected_subscribeGetsSuback0x8F()
            throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withTopicLimits(
                m.maxSubscriptionsPerClient(), 16, m.maxTopicLevels())))) {
            String tooLong = "t/" + "x".repeat(15); // 17 bytes
            try (Clients.Subscriber all = Clients.subscriber(broker, unique("tl"), "t/#")) {
                Mqtt5BlockingClient v5 = Clients.connectedHive5(broker, unique("tl"));

                assertThatThrownBy(() -> Clients.publish(v5, tooLong, "long", 1))
                        .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage()
                                .getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID));
                assertThat(v5.getState().isConnected()).isTrue();
                Clients.publish(v5, "t/ok", "marker", 1);
                all.expectNext("marker"); // the long one was not routed

                assertThatThrownBy(() -> v5.subscribeWith().topicFilter("t/" + "+/".repeat(8)).send())
                        .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage()
                                .getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID));

                CompletableFuture<Throwable> ended = new CompletableFuture<>();
                Mqtt5BlockingClient qos0 = MqttClient.builder().useMqttVersion5().identifier(unique("tl"))
                        .serverHost("127.0.0.1").serverPort(broker.mqttPort())
                        .addDisconnectedListener(ctx -> ended.complete(ctx.getCause())).buildBlocking();
                qos0.connect();
                qos0.publishWith().topic(tooLong).qos(MqttQos.AT_MOST_ONCE).payload(utf8("long")).send();
                Throwable cause = ended.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(cause).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.TOPIC_NAME_INVALID));

                Clients.Paho3 v3 = Clients.connectedPaho3(broker.tcpUri(), unique("tl"),
                        MqttConnectOptions.MQTT_VERSION_3_1_1);
                assertThatThrownBy(() -> v3.client().publish(tooLong, utf8("long"), 1, false))
                        .isInstanceOf(MqttException.class);
                await().until(() -> !v3.client().isConnected());
                v3.client().close();

                assertThat(broker.limitHits("mqtt.maxTopicLength")).isEqualTo(4);
                v5.disconnect();
            }
        }
    }

    @Test
    void maxTopicLevels_publishDeeper_v5Qos1GetsPuback0x90_andIsCounted() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withTopicLimits(
                m.maxSubscriptionsPerClient(), m.maxTopicLength(), 3)))) {
            Mqtt5BlockingClient v5 = Clients.connectedHive5(broker, unique("lv"));

            assertThatThrownBy(() -> Clients.publish(v5, "a/b/c/d", "deep", 1))
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID));
            Clients.publish(v5, "a/b/c", "fine", 1);
            assertThat(broker.limitHits("mqtt.maxTopicLevels")).isEqualTo(1);
            v5.disconnect();
        }
    }

    @Test
    void maxRetainedMessages_newTopicNotRetained_v5Qos1GetsPuback0x97_v311DeliveredButNotRetained_replacingWorks()
            throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withStorageLimits(1, 0,
                m.maxQueuedMessages(), m.maxQueuedBytes())))) {
            Mqtt5BlockingClient v5 = Clients.connectedHive5(broker, unique("rt"));
            Clients.publish(v5, "r/a", "first", 1, true);

            assertThatThrownBy(() -> Clients.publish(v5, "r/b", "refused", 1, true))
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED));
            Clients.publish(v5, "r/a", "replaced", 1, true); // replacing the one there is always allowed

            try (Clients.Subscriber live = Clients.subscriber(broker, unique("rt"), "r/c")) {
                try (Clients.Paho3 v3 = Clients.connectedPaho3(broker.tcpUri(), unique("rt"),
                        MqttConnectOptions.MQTT_VERSION_3_1_1)) {
                    v3.client().publish("r/c", utf8("live only"), 1, true); // 3.1.1 cannot be told: delivered
                }
                live.expectNext("live only");
            }
            try (Clients.Subscriber later = Clients.subscriber(broker, unique("rt"), "r/#")) {
                later.expectNext("replaced"); // the only retained message: r/b and r/c were not kept
                Clients.publish(v5, "r/marker", "marker", 1);
                later.expectNext("marker");
            }
            assertThat(broker.limitHits("mqtt.maxRetainedMessages")).isEqualTo(2);
            v5.disconnect();
        }
    }

    @Test
    void maxRetainedBytes_aRetainedMessageThatDoesNotFit_getsPuback0x97() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withStorageLimits(0, 10,
                m.maxQueuedMessages(), m.maxQueuedBytes())))) {
            Mqtt5BlockingClient v5 = Clients.connectedHive5(broker, unique("rb"));
            Clients.publish(v5, "rb/a", "123456", 1, true);

            assertThatThrownBy(() -> Clients.publish(v5, "rb/b", "12345", 1, true))
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED));
            Clients.publish(v5, "rb/b", "1234", 1, true); // fits exactly
            assertThat(broker.limitHits("mqtt.maxRetainedBytes")).isEqualTo(1);
            v5.disconnect();
        }
    }

    @Test
    void maxQueuedBytes_offlineSessionKeepsWhatFits_dropsTheNewcomers_counted() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withStorageLimits(
                m.maxRetainedMessages(), m.maxRetainedBytes(), m.maxQueuedMessages(), 1000)))) {
            String id = unique("qb");
            Mqtt5BlockingClient offline = Clients.hive5(broker, id);
            offline.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            offline.subscribeWith().topicFilter("qb/t").qos(MqttQos.AT_LEAST_ONCE).send();
            offline.disconnect();

            Mqtt5BlockingClient publisher = Clients.connectedHive5(broker, unique("qb"));
            for (String payload : List.of("a", "b", "c")) {
                Clients.publish(publisher, "qb/t", payload + "x".repeat(399), 1); // 400 bytes each
            }

            Mqtt5BlockingClient back = Clients.hive5(broker, id);
            Mqtt5BlockingClient.Mqtt5Publishes publishes = back.publishes(MqttGlobalPublishFilter.ALL);
            back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            assertThat(Clients.payload(Clients.next(publishes))).startsWith("a");
            assertThat(Clients.payload(Clients.next(publishes))).startsWith("b");
            Clients.publish(publisher, "qb/t", "live", 1);
            assertThat(Clients.payload(Clients.next(publishes))).isEqualTo("live"); // "c" was dropped

            assertThat(broker.limitHits("mqtt.maxQueuedBytes")).isEqualTo(1);
            publishes.close();
            back.disconnect();
            publisher.disconnect();
        }
    }

    @Test
    void maxPublishRate_aFastPublisherIsSlowedDown_notRefused_everyMessageArrives() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withPublishRates(5, 0)))) {
            try (Clients.Subscriber subscriber = Clients.subscriber(broker, unique("pr"), "pr/t")) {
                Mqtt5BlockingClient publisher = Clients.connectedHive5(broker, unique("pr"));
                for (int i = 0; i < 12; i++) {
                    publisher.publishWith().topic("pr/t").qos(MqttQos.AT_MOST_ONCE).payload(utf8("m" + i)).send();
                }
                for (int i = 0; i < 12; i++) {
                    subscriber.expectNext("m" + i);
                }
                assertThat(publisher.getState().isConnected()).isTrue();
                assertThat(broker.limitHits("mqtt.maxPublishRate")).isGreaterThanOrEqualTo(1);
                publisher.disconnect();
            }
        }
    }

    @Test
    void maxPublishBytesRate_largePayloadsAreSlowedDown_everyMessageArrives() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.mqtt(m -> m.withPublishRates(0, 2000)))) {
            try (Clients.Subscriber subscriber = Clients.subscriber(broker, unique("br"), "br/t")) {
                Mqtt5BlockingClient publisher = Clients.connectedHive5(broker, unique("br"));
                for (int i = 0; i < 4; i++) {
                    Clients.publish(publisher, "br/t", i + "x".repeat(999), 1); // 4000 bytes at 2000 B/s
                }
                for (int i = 0; i < 4; i++) {
                    assertThat(Clients.payload(Clients.next(subscriber.publishes()))).startsWith(Integer.toString(i));
                }
                assertThat(broker.limitHits("mqtt.maxPublishBytesRate")).isGreaterThanOrEqualTo(1);
                publisher.disconnect();
            }
        }
    }

    /**
     * What the broker answers a 3.1.1 CONNECT on {@code socket} with, until it closes the connection: the CONNACK's
     * bytes, or nothing when it closes (or resets) the connection without an answer.
     */
    private static List<Integer> answerToConnect(Socket socket, String clientId) throws IOException {
        socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Clients.TIMEOUT_S));
        List<Integer> answer = new ArrayList<>();
        try {
            socket.getOutputStream().write(RawMqttClient.Connect.v311(clientId).encode());
            InputStream in = socket.getInputStream();
            for (int b; answer.size() < 4 && (b = in.read()) != -1; ) {
                answer.add(b);
            }
        } catch (SocketException closed) {
            // reset (or broken pipe) by a broker that closed the connection first: no answer either
        }
        return answer;
    }

    private static void close(List<Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** The reason code of a refused v5 CONNECT, or null if it was accepted (the client then disconnects). */
    private static Mqtt5ConnAckReasonCode connAckRefusal(BrokerFixture broker, String clientId) {
        List<Mqtt5BlockingClient> connected = new ArrayList<>();
        Mqtt5ConnAckReasonCode refusal = connAckRefusal(broker, clientId, connected);
        connected.forEach(Mqtt5BlockingClient::disconnect);
        return refusal;
    }

    /** As above, but an accepted client stays connected and is added to {@code connected}. */
    private static Mqtt5ConnAckReasonCode connAckRefusal(BrokerFixture broker, String clientId,
                                                          List<Mqtt5BlockingClient> connected) {
        Mqtt5BlockingClient c = Clients.hive5(broker, clientId);
        try {
            c.connect();
            connected.add(c);
            return null;
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /** The return code of a refused MQTT 3.1.1 CONNECT (Paho), or 0 if it was accepted. */
    private static int paho3Refusal(BrokerFixture broker, String clientId) throws MqttException {
        org.eclipse.paho.client.mqttv3.MqttClient paho = Clients.paho3(broker, clientId);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1); // the default would retry with 3.1
        try {
            paho.connect(options);
            paho.disconnect();
            return 0;
        } catch (MqttException e) {
            return e.getReasonCode();
        } finally {
            paho.close();
        }
    }

    /** The newest item of a client's trace, once there is one. */
    private static JsonNode lastTraceItem(BrokerFixture broker, String clientId) {
        ApiClient api = new ApiClient(broker.httpPort());
        String path = "/api/v1/clients/" + ApiClient.enc(clientId) + "/trace";
        await().until(() -> api.getJson(path, BrokerFixture.ADMIN).get("items").size() > 0);
        JsonNode items = api.getJson(path, BrokerFixture.ADMIN).get("items");
        JsonNode last = items.get(items.size() - 1);
        assertThat(last.get("eventType").asText()).isEqualTo("connect_rejected");
        return last;
    }
}
