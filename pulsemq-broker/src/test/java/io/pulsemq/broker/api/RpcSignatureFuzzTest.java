package io.pulsemq.broker.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: ApsaraMQ's RPC signature over any query string. The input is a query string as a client sends it
 * (decoded as the RPC endpoint decodes it: first value of each name); what must hold: decoding never fails with
 * anything but {@link IllegalArgumentException} (the endpoint's 400), the canonical query is plain RFC 3986
 * (unreserved characters and {@code %XX} only, besides its {@code =} and {@code &}), a request signed with a secret
 * verifies with it, and not with another secret nor after one parameter changes. {@code mvn verify} replays the
 * committed inputs under {@code src/test/resources/io/pulsemq/broker/api/RpcSignatureFuzzTestInputs/}.
 */
class RpcSignatureFuzzTest {

    private static final String SECRET = "fuzz-secret-0123456789";

    @FuzzTest(maxDuration = "10m")
    void queryString(byte[] input) {
        Map<String, String> params = new TreeMap<>();
        try {
            new QueryStringDecoder("?" + new String(input, StandardCharsets.UTF_8)).parameters()
                    .forEach((name, values) -> params.put(name, values.isEmpty() ? "" : values.get(0)));
        } catch (IllegalArgumentException malformed) {
            return; // the endpoint answers 400
        }
        String canonical = RpcSignature.canonicalQuery(params);
        assertThat(canonical).matches("[A-Za-z0-9\\-_.~%=&]*");
        for (String pair : canonical.isEmpty() ? new String[0] : canonical.split("&")) {
            assertThat(pair).matches("([A-Za-z0-9\\-_.~]|%[0-9A-F]{2})*=([A-Za-z0-9\\-_.~]|%[0-9A-F]{2})*");
        }
        params.put(RpcSignature.SIGNATURE, RpcSignature.sign("GET", params, SECRET));
        assertThat(RpcSignature.verify("GET", params, SECRET)).isTrue();
        assertThat(RpcSignature.verify("POST", params, SECRET)).isFalse();
        assertThat(RpcSignature.verify("GET", params, SECRET + "x")).isFalse();
        params.merge("Action", "x", String::concat);
        assertThat(RpcSignature.verify("GET", params, SECRET)).isFalse();
    }
}
