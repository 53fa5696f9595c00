package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.ConnectionFactory;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.protocol.Signatures;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Login hardening: failed logins are throttled and then ban the address, the ban list refuses clients (v5 0x8A
 * Banned, 3.1.1 return code 5) and shows in their trace, bans are managed over HTTP and survive a restart, and
 * flapping clients are banned.
 */
class LoginGuardIT {

    /** One free failure, then 50 ms doubling, the third failure bans the address. */
    private static final AuthConfig.LoginThrottle STRICT = new AuthConfig.LoginThrottle(1, Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofMinutes(10), 3, Duration.ofMinutes(15));

    @Test
    void connect_repeatedWrongSecrets_areRefusedThenTheAddressIsBannedEvenForTheRightSecret() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.loginThrottle(STRICT))) {
            String clientId = Clients.unique("GID_lg@@@guess");
            List<Mqtt5ConnAckReasonCode> refusals = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                refusals.add(refusal(connect(broker, clientId, BrokerFixture.ADMIN.id(), "wrong-secret-" + i)));
            }

            // one refusal code for every wrong secret (whichever code the authenticator answers), none of them Banned
            assertThat(refusals).hasSize(3).doesNotContain(Mqtt5ConnAckReasonCode.BANNED)
                    .allMatch(code -> code == refusals.get(0));
            assertThat(refusal(connect(broker, clientId, BrokerFixture.ADMIN.id(), BrokerFixture.ADMIN.secret())))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            // the HTTP API is reached from the same (banned) address: even the admin key is refused there
            HttpResponse<String> api = new ApiClient(broker.httpPort()).get("/api/v1/groups", BrokerFixture.ADMIN);
            assertThat(api.statusCode()).isEqualTo(403);
            assertThat(ApiClient.json(api.body()).get("message").asText()).contains("banned");
        }
    }

    @Test
    void connect_failureBeyondTheFreeOnes_refusalIsHeldWhileOtherLoginsAreAnswered() throws Exception {
        AuthConfig.LoginThrottle slow = new AuthConfig.LoginThrottle(1, Duration.ofMinutes(10), Duration.ofMinutes(10),
                Duration.ofMinutes(10), 0, Duration.ofMinutes(15));
        try (BrokerFixture broker = BrokerFixture.start(c -> BrokerFixture.loginThrottle(slow).apply(
                BrokerFixture.anonymous(AuthConfig.AnonymousPolicy.FALSE).apply(c)))) {
            String clientId = Clients.unique("GID_lg@@@slow");
            assertThat(connect(broker, clientId, BrokerFixture.ADMIN.id(), "wrong-secret-0")).isNotNull(); // free

            try (java.net.Socket held = new java.net.Socket("127.0.0.1", broker.mqttPort())) {
                held.getOutputStream().write(RawMqttClient.Connect.v311(clientId).encode()); // anonymous: refused
                // a correct login sent after it is answered first: the refusal waits, the event loops do not
                assertThat(connect(broker, Clients.unique("GID_lg@@@ok"), BrokerFixture.ADMIN.id(),
                        BrokerFixture.ADMIN.secret())).isNull();
                assertThat(held.getInputStream().available()).isZero();
                assertThat(broker.broker().sessions().isConnected(clientId)).isFalse();
            }
        }
    }

    @Test
    void ban_addedOverApi_refusesV5AndV3_showsInTrace_survivesRestart_andIsLiftedByDelete() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            String clientId = Clients.unique("GID_lg@@@banned");
            ApiClient api = new ApiClient(broker.httpPort());

            HttpResponse<String> added = api.post("/api/v1/bans", "{\"kind\":\"clientId\",\"value\":\"" + clientId
                    + "\",\"duration\":\"1h\",\"reason\":\"stolen device\"}", BrokerFixture.ADMIN);
            assertThat(added.statusCode()).isEqualTo(201);

            assertThat(refusal(connect(broker, clientId, BrokerFixture.ADMIN.id(), BrokerFixture.ADMIN.secret())))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            assertThat(paho3Refusal(broker, clientId)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
            await().untilAsserted(() -> {
                JsonNode trace = api.getJson("/api/v1/clients/" + clientId + "/trace", BrokerFixture.ADMIN);
                assertThat(trace.get("items")).isNotEmpty();
                JsonNode last = trace.get("items").get(trace.get("items").size() - 1);
                assertThat(last.get("eventType").asText()).isEqualTo("connect_rejected");
                assertThat(last.get("remark").asText()).contains("banned").contains("stolen device");
            });

            broker.restart();
            ApiClient again = new ApiClient(broker.httpPort());
            JsonNode listed = again.getJson("/api/v1/bans", BrokerFixture.ADMIN);
            assertThat(listed.get("items")).hasSize(1);
            assertThat(listed.get("items").get(0).get("value").asText()).isEqualTo(clientId);
            assertThat(listed.get("items").get(0).get("reason").asText()).isEqualTo("stolen device");
            assertThat(refusal(connect(broker, clientId, BrokerFixture.ADMIN.id(), BrokerFixture.ADMIN.secret())))
                    .isEqualTo(Mqtt5ConnAckReasonCode.BANNED);

            HttpResponse<String> deleted = again.send(again.request("/api/v1/bans/clientId/" + ApiClient.enc(clientId),
                    BrokerFixture.ADMIN).DELETE().build());
            assertThat(deleted.statusCode()).isEqualTo(204);
            assertThat(connect(broker, clientId, BrokerFixture.ADMIN.id(), BrokerFixture.ADMIN.secret())).isNull();
            assertThat(again.getJson("/api/v1/bans", BrokerFixture.ADMIN).get("items")).isEmpty();
        }
    }

    @Test
    void ban_addressBlock_refusesMqttAmqpAndHttpFromIt() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            ApiClient api = new ApiClient(broker.httpPort());
            assertThat(api.post("/api/v1/bans", "{\"kind\":\"address\",\"value\":\"127.0.0.0/8\",\"reason\":\"lab\"}",
                    BrokerFixture.ADMIN).statusCode()).isEqualTo(201);

            assertThat(refusal(connect(broker, Clients.unique("GID_lg@@@net"), BrokerFixture.ADMIN.id(),
                    BrokerFixture.ADMIN.secret()))).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            ConnectionFactory amqp = new ConnectionFactory();
            amqp.setHost("127.0.0.1");
            amqp.setPort(broker.amqpPort());
            amqp.setVirtualHost("MQTT");
            long now = System.currentTimeMillis();
            amqp.setUsername(Base64.getEncoder().encodeToString(("0:" + broker.config().instanceId() + ":"
                    + BrokerFixture.CAR_SERVER.id()).getBytes(StandardCharsets.UTF_8)));
            amqp.setPassword(Signatures.hmacSha1Base64(BrokerFixture.CAR_SERVER.secret(), Long.toString(now)));
            amqp.setClientProperties(new HashMap<>(Map.of("signKey", Long.toString(now))));
            amqp.setAutomaticRecoveryEnabled(false);
            assertThatThrownBy(amqp::newConnection).isInstanceOf(AuthenticationFailureException.class)
                    .hasMessageContaining("banned");
            HttpResponse<String> http = api.get("/api/v1/groups", BrokerFixture.ADMIN);
            assertThat(http.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void bansApi_serverKeyAndBadBody_areRefusedWithJsonErrors() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            ApiClient api = new ApiClient(broker.httpPort());

            HttpResponse<String> server = api.get("/api/v1/bans", BrokerFixture.CAR_SERVER);
            HttpResponse<String> badKind = api.post("/api/v1/bans", "{\"kind\":\"ip\",\"value\":\"x\"}",
                    BrokerFixture.ADMIN);
            HttpResponse<String> badAddress = api.post("/api/v1/bans", "{\"kind\":\"address\",\"value\":\"nope\"}",
                    BrokerFixture.ADMIN);
            HttpResponse<String> missing = api.send(api.request("/api/v1/bans/username/nobody", BrokerFixture.ADMIN)
                    .DELETE().build());

            assertThat(server.statusCode()).isEqualTo(403);
            assertThat(ApiClient.json(server.body()).get("error").asText()).isEqualTo("forbidden");
            assertThat(badKind.statusCode()).isEqualTo(400);
            assertThat(badAddress.statusCode()).isEqualTo(400);
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(ApiClient.json(missing.body()).get("error").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void connect_flappingClient_isBannedAndTheBanIsInItsTrace() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.flapping(2))) {
            String clientId = Clients.unique("GID_lg@@@flap");
            for (int i = 0; i < 2; i++) {
                Mqtt5BlockingClient c = Clients.hive5(broker, clientId);
                c.connect();
                c.disconnect();
            }

            assertThat(refusal(connect(broker, clientId, null, null))).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            ApiClient api = new ApiClient(broker.httpPort());
            await().untilAsserted(() -> {
                JsonNode trace = api.getJson("/api/v1/clients/" + clientId + "/trace", BrokerFixture.ADMIN);
                JsonNode last = trace.get("items").get(trace.get("items").size() - 1);
                assertThat(last.get("eventType").asText()).isEqualTo("connect_rejected");
                assertThat(last.get("remark").asText()).contains("flapping");
            });
            assertThat(api.getJson("/api/v1/bans", BrokerFixture.ADMIN).get("items").get(0).get("kind").asText())
                    .isEqualTo("clientId");
        }
    }

    /** Connects with HiveMQ v5; null when accepted (then disconnects), the CONNACK exception when refused. */
    private static Mqtt5ConnAckException connect(BrokerFixture broker, String clientId, String username,
                                                 String secret) {
        Mqtt5BlockingClient c = Clients.hive5(broker, clientId);
        try {
            if (username == null) {
                c.connect();
            } else {
                c.connectWith().simpleAuth().username(username)
                        .password(secret.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            }
            c.disconnect();
            return null;
        } catch (Mqtt5ConnAckException e) {
            return e;
        }
    }

    private static Mqtt5ConnAckReasonCode refusal(Mqtt5ConnAckException e) {
        assertThat(e).as("CONNECT refused").isNotNull();
        return e.getMqttMessage().getReasonCode();
    }

    private static int paho3Refusal(BrokerFixture broker, String clientId) throws MqttException {
        org.eclipse.paho.client.mqttv3.MqttClient paho = Clients.paho3(broker, clientId);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(BrokerFixture.ADMIN.id());
        options.setPassword(BrokerFixture.ADMIN.secret().toCharArray());
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
}
