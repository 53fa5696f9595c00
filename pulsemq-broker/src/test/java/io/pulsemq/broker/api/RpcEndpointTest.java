package io.pulsemq.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.presence.PresenceRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RpcEndpointTest {

    private static final AccessKey ADMIN = new AccessKey("AK_ADMIN", "admin-secret", AccessKey.Role.ADMIN, List.of("*"));
    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RpcEndpoint rpc = new RpcEndpoint("pulsemq-local", new ApiAuth(List.of(ADMIN), Clock.fixed(NOW, ZoneOffset.UTC)), new PresenceRegistry(),
            null, null, Runnable::run, Clock.fixed(NOW, ZoneOffset.UTC));

    private static Map<String, String> params(String nonce, Instant timestamp) {
        Map<String, String> p = new TreeMap<>();
        p.put("Action", "QuerySessionByClientId");
        p.put("AccessKeyId", ADMIN.id());
        p.put("SignatureMethod", "HMAC-SHA1");
        p.put("SignatureVersion", "1.0");
        p.put("SignatureNonce", nonce);
        p.put("Timestamp", timestamp.toString());
        p.put("InstanceId", "pulsemq-local");
        p.put("ClientId", "GID_car@@@v1");
        return p;
    }

    private JsonNode call(Map<String, String> params, String secret, int expectedStatus) throws Exception {
        Map<String, String> signed = new TreeMap<>(params);
        signed.put("Signature", RpcSignature.sign("GET", params, secret));
        Map<String, List<String>> query = signed.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue())));
        HttpRequest request = new HttpRequest("GET", "/", Map.of(), query, Map.of(), new byte[0],
                InetSocketAddress.createUnresolved("localhost", 1));
        HttpResponse response = rpc.handle(request).toCompletableFuture().join();
        assertThat(response.status()).as(new String(response.body())).isEqualTo(expectedStatus);
        return JSON.readTree(response.body());
    }

    @Test
    void signedRequest_answersOnlineStatus() throws Exception {
        JsonNode answer = call(params("n1", NOW), ADMIN.secret(), 200);

        assertThat(answer.get("OnlineStatus").asBoolean()).isFalse();
        assertThat(answer.get("RequestId").asText()).isNotEmpty();
    }

    @Test
    void wrongSecret_isSignatureDoesNotMatch() throws Exception {
        assertThat(call(params("n2", NOW), "wrong", 400).get("Code").asText()).isEqualTo("SignatureDoesNotMatch");
    }

    @Test
    void timestampOutsideFifteenMinutes_isExpired_insideIsAccepted() throws Exception {
        Duration justOver = Duration.ofMinutes(15).plusSeconds(1);
        assertThat(call(params("n3", NOW.minus(justOver)), ADMIN.secret(), 400).get("Code").asText())
                .isEqualTo("InvalidTimeStamp.Expired");
        assertThat(call(params("n4", NOW.plus(justOver)), ADMIN.secret(), 400).get("Code").asText())
                .isEqualTo("InvalidTimeStamp.Expired");
        call(params("n5", NOW.minus(Duration.ofMinutes(14))), ADMIN.secret(), 200);
    }

    @Test
    void replayedNonce_isSignatureNonceUsed() throws Exception {
        call(params("n6", NOW), ADMIN.secret(), 200);

        assertThat(call(params("n6", NOW), ADMIN.secret(), 400).get("Code").asText()).isEqualTo("SignatureNonceUsed");
    }

    @Test
    void missingCommonParameter_isNamed() throws Exception {
        Map<String, String> p = params("n7", NOW);
        p.remove("Timestamp");

        assertThat(call(p, ADMIN.secret(), 400).get("Code").asText()).isEqualTo("MissingTimestamp");
    }
}
