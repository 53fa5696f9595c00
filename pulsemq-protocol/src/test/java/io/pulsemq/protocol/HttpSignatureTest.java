package io.pulsemq.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HttpSignatureTest {

    private static final String SECRET = "a-long-enough-secret-value";
    private static final long NOW = 1_767_225_600_000L;

    private static HttpSignature.Request request(String method, String path, Map<String, List<String>> query,
                                                 String body) {
        return new HttpSignature.Request(method, path, query, body.getBytes(StandardCharsets.UTF_8));
    }

    private static final HttpSignature.Request SIGNED = request("POST", "/api/v1/clients/GID_a%40%40%40d1/disconnect",
            Map.of("reason", List.of("maintenance")), "{\"x\":1}");

    private static HttpSignature.Credentials signed(HttpSignature.Request r, long timestamp, String nonce) {
        return HttpSignature.parse(HttpSignature.authorization("AK_1", SECRET, r, timestamp, nonce)).orElseThrow();
    }

    @Test
    void verify_untouchedRequest_valid() {
        assertThat(HttpSignature.verify(signed(SIGNED, NOW, "n1"), SECRET, SIGNED, NOW + 1000))
                .isEqualTo(HttpSignature.Verdict.VALID);
    }

    @Test
    void verify_tamperedPathQueryBodyOrMethod_badSignature() {
        HttpSignature.Credentials c = signed(SIGNED, NOW, "n1");
        for (HttpSignature.Request tampered : List.of(
                request("POST", "/api/v1/clients/GID_a%40%40%40victim/disconnect", SIGNED.query(), "{\"x\":1}"),
                request("POST", SIGNED.rawPath(), Map.of("reason", List.of("other")), "{\"x\":1}"),
                request("POST", SIGNED.rawPath(), SIGNED.query(), "{\"x\":2}"),
                request("DELETE", SIGNED.rawPath(), SIGNED.query(), "{\"x\":1}"))) {
            assertThat(HttpSignature.verify(c, SECRET, tampered, NOW)).as(tampered.toString())
                    .isEqualTo(HttpSignature.Verdict.BAD_SIGNATURE);
        }
        assertThat(HttpSignature.verify(c, "another-secret-of-length", SIGNED, NOW))
                .isEqualTo(HttpSignature.Verdict.BAD_SIGNATURE);
    }

    @Test
    void verify_timestampOutsideFiveMinutes_stale() {
        long sixMinutes = 6 * 60_000L;
        assertThat(HttpSignature.verify(signed(SIGNED, NOW - sixMinutes, "n1"), SECRET, SIGNED, NOW))
                .isEqualTo(HttpSignature.Verdict.STALE);
        assertThat(HttpSignature.verify(signed(SIGNED, NOW + sixMinutes, "n1"), SECRET, SIGNED, NOW))
                .isEqualTo(HttpSignature.Verdict.STALE);
    }

    @Test
    void canonicalQuery_sortedByNameThenValueAndEncoded() {
        Map<String, List<String>> q = new LinkedHashMap<>();
        q.put("b", List.of("2", "1"));
        q.put("a b", List.of("x/y~z"));
        q.put("c", List.of("é"));
        assertThat(HttpSignature.canonicalQuery(q)).isEqualTo("a%20b=x%2Fy~z&b=1&b=2&c=%C3%A9");
        assertThat(HttpSignature.canonicalQuery(Map.of())).isEmpty();
    }

    @Test
    void parse_malformedHeaders_empty() {
        assertThat(HttpSignature.parse("Basic abc")).isEmpty();
        assertThat(HttpSignature.parse("PULSEMQ-HMAC-SHA256 Credential=AK, Timestamp=x, Nonce=n, Signature=s")).isEmpty();
        assertThat(HttpSignature.parse("PULSEMQ-HMAC-SHA256 Credential=AK, Timestamp=1, Signature=s")).isEmpty();
    }

    @Test
    void stringToSign_documentedLayout() {
        HttpSignature.Request r = request("GET", "/api/v1/clients", Map.of("groupId", List.of("GID_a")), "");
        assertThat(HttpSignature.stringToSign(r, 1000, "abc")).isEqualTo("PULSEMQ-HMAC-SHA256\nGET\n/api/v1/clients\n"
                + "groupId=GID_a\n1000\nabc\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void sign_workedExampleOfDocsApi_sameSignature() {
        HttpSignature.Request r = request("POST", "/api/v1/clients/status", Map.of(),
                "{\"clientIds\":[\"GID_car@@@vin1\"]}");
        assertThat(HttpSignature.sign("an-example-secret-of-32-chars!!!", r, 1_767_225_600_000L,
                "3f2a9c1e7b4d4e0f9a1b2c3d4e5f6071"))
                .isEqualTo("b71c2eded25d8391e6768d25b0dd98ce5f33e75d6abb1c7c4b1541201fe6361c");
    }
}
