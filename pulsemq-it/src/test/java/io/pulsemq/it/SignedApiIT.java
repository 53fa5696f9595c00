package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.protocol.HttpSignature;
import io.pulsemq.sdk.StatusClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /api/v1} with PULSEMQ-HMAC-SHA256 signed requests: our SDK signs by default and works; a captured
 * signed request cannot be pointed at another path, nor replayed.
 */
class SignedApiIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static URI base() {
        return URI.create("http://127.0.0.1:" + broker.httpPort());
    }

    private static StatusClient.Builder sdk() {
        return StatusClient.builder().baseUrl(SignedApiIT::base).accessKey(ADMIN.id()).secretKey(ADMIN.secret());
    }

    @Test
    void sdk_signedByDefault_readsStatusAndKicks() throws Exception {
        String clientId = unique("GID_car@@@signed");
        Mqtt5BlockingClient device = Clients.connectedHive5(broker, clientId);
        try (StatusClient client = sdk().build()) {
            assertThat(client.status(clientId).online()).isTrue();
            assertThat(client.kick(clientId)).isTrue(); // a signed POST
            assertThat(client.status(clientId).online()).isFalse();
        }
        // the broker's DISCONNECT reaches the client's own threads a moment after the API answered
        await().until(() -> !device.getState().isConnected());
    }

    @Test
    void sdk_basicOption_stillWorks() throws Exception {
        String clientId = unique("GID_car@@@basic");
        Mqtt5BlockingClient device = Clients.connectedHive5(broker, clientId);
        try (StatusClient client = sdk().basicAuthentication().build()) {
            assertThat(client.status(clientId).online()).isTrue();
        }
        device.disconnect();
    }

    @Test
    void capturedSignedRequest_replayedOrPointedElsewhere_refused() throws Exception {
        String victim = unique("GID_car@@@victim");
        Mqtt5BlockingClient device = Clients.connectedHive5(broker, victim);
        String path = "/api/v1/clients/" + victim.replace("@", "%40");
        String captured = HttpSignature.authorization(ADMIN.id(), ADMIN.secret(),
                new HttpSignature.Request("GET", path, Map.of(), new byte[0]), System.currentTimeMillis(),
                UUID.randomUUID().toString());

        HttpResponse<String> first = send(HttpRequest.newBuilder(base().resolve(path)).GET(), captured);
        assertThat(first.statusCode()).isEqualTo(200);

        HttpResponse<String> replayed = send(HttpRequest.newBuilder(base().resolve(path)).GET(), captured);
        HttpResponse<String> elsewhere = send(HttpRequest.newBuilder(base().resolve(path + "/disconnect"))
                .POST(HttpRequest.BodyPublishers.noBody()), captured);
        HttpResponse<String> otherQuery = send(HttpRequest.newBuilder(base().resolve(path + "?x=1")).GET(), captured);
        for (HttpResponse<String> refused : List.of(replayed, elsewhere, otherQuery)) {
            assertThat(refused.statusCode()).as(refused.uri().toString()).isEqualTo(401);
            assertThat(refused.body()).isEqualTo(elsewhere.body()); // one answer for every wrong credential
        }
        assertThat(device.getState().isConnected()).as("the victim was not disconnected").isTrue();
        device.disconnect();
    }

    @Test
    void signedRequest_unknownKeyOrWrongSecret_sameRefusal() throws Exception {
        String path = "/api/v1/groups";
        HttpSignature.Request r = new HttpSignature.Request("GET", path, Map.of(), new byte[0]);
        long now = System.currentTimeMillis();
        HttpResponse<String> wrongSecret = send(HttpRequest.newBuilder(base().resolve(path)).GET(),
                HttpSignature.authorization(ADMIN.id(), "not-the-admin-secret", r, now, "n-1"));
        HttpResponse<String> unknownKey = send(HttpRequest.newBuilder(base().resolve(path)).GET(),
                HttpSignature.authorization("AK_NO_SUCH_KEY", ADMIN.secret(), r, now, "n-2"));
        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(unknownKey.statusCode()).isEqualTo(401);
        assertThat(unknownKey.body()).isEqualTo(wrongSecret.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder b, String authorization) throws Exception {
        return HTTP.send(b.header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    }
}
