package io.pulsemq.broker.api;

import io.pulsemq.protocol.Signatures;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ApsaraMQ (Alibaba Cloud) RPC signature, version 1.0, HMAC-SHA1:
 * <ol>
 *   <li>take every request parameter except {@code Signature}, sorted by name;</li>
 *   <li>percent-encode names and values per RFC 3986 (unreserved {@code A-Z a-z 0-9 - _ . ~} kept, everything
 *       else {@code %XX} of its UTF-8 bytes, so space is {@code %20}, {@code *} is {@code %2A}), join as
 *       {@code k=v&k=v};</li>
 *   <li>{@code StringToSign = METHOD + "&" + enc("/") + "&" + enc(canonical)};</li>
 *   <li>{@code Signature = Base64(HmacSHA1(key = secret + "&", StringToSign))}.</li>
 * </ol>
 * Pure functions; thread-safe.
 */
final class RpcSignature {

    /** The parameter that carries the signature. */
    static final String SIGNATURE = "Signature";

    private RpcSignature() {
    }

    /** RFC 3986 percent-encoding as the RPC signature uses it. */
    static String percentEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("*", "%2A")
                .replace("%7E", "~");
    }

    /** The canonical query: every parameter but {@code Signature}, sorted by name, encoded, {@code &}-joined. */
    static String canonicalQuery(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
            if (e.getKey().equals(SIGNATURE)) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(percentEncode(e.getKey())).append('=').append(percentEncode(e.getValue()));
        }
        return sb.toString();
    }

    /** {@code METHOD&%2F&enc(canonical)}. */
    static String stringToSign(String method, Map<String, String> params) {
        return method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery(params));
    }

    /** The signature of a request with these parameters. */
    static String sign(String method, Map<String, String> params, String secret) {
        byte[] mac = Signatures.hmacSha1((secret + "&").getBytes(StandardCharsets.UTF_8),
                stringToSign(method, params).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(mac);
    }

    /** Whether the request's {@code Signature} matches, compared in constant time. */
    static boolean verify(String method, Map<String, String> params, String secret) {
        String given = params.get(SIGNATURE);
        return given != null && Signatures.constantTimeEquals(sign(method, params, secret), given);
    }
}
