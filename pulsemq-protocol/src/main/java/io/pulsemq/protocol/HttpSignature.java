package io.pulsemq.protocol;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PulseMQ's own request signature for {@code /api/v1} (the ApsaraMQ RPC signature on {@code /} is separate):
 * <pre>
 * Authorization: PULSEMQ-HMAC-SHA256 Credential=&lt;AccessKeyId&gt;, Timestamp=&lt;unix ms&gt;, Nonce=&lt;random&gt;,
 *                Signature=&lt;hex HMAC-SHA256(secret, stringToSign)&gt;
 * </pre>
 * where {@code stringToSign} is the lines (joined by {@code \n}) {@code PULSEMQ-HMAC-SHA256}, the method, the
 * raw path as sent (percent-encoding kept), the {@linkplain #canonicalQuery canonical query}, the timestamp,
 * the nonce and the hex SHA-256 of the body (of zero bytes when there is none). Shared by the broker, which
 * verifies, and the SDK, which signs. Stateless and thread-safe; replay (nonce) checks are the verifier's.
 */
public final class HttpSignature {

    /** The scheme name in the {@code Authorization} header and the first line of the string to sign. */
    public static final String ALGORITHM = "PULSEMQ-HMAC-SHA256";
    /** How far a request's timestamp may be from the verifier's clock, either way. */
    public static final Duration TIMESTAMP_WINDOW = Duration.ofMinutes(5);

    private static final String HMAC_SHA256 = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private HttpSignature() {
    }

    /** What a request is signed over, besides the timestamp and nonce. */
    public record Request(String method, String rawPath, Map<String, List<String>> query, byte[] body) {
    }

    /** The parts of a parsed {@code Authorization} header. */
    public record Credentials(String accessKeyId, long timestampMillis, String nonce, String signature) {
    }

    /** The outcome of {@link #verify}. */
    public enum Verdict {
        /** The signature matches and the timestamp is within the window. */
        VALID,
        /** The signature does not match the request (tampered, or a wrong secret). */
        BAD_SIGNATURE,
        /** The timestamp is outside {@link #TIMESTAMP_WINDOW}. */
        STALE
    }

    /** The {@code Authorization} header value for {@code request}, signed with {@code secret}. */
    public static String authorization(String accessKeyId, String secret, Request request, long timestampMillis,
                                       String nonce) {
        String signature = sign(secret, request, timestampMillis, nonce);
        return ALGORITHM + " Credential=" + accessKeyId + ", Timestamp=" + timestampMillis + ", Nonce=" + nonce
                + ", Signature=" + signature;
    }

    /** Whether {@code header} uses this scheme (so a verifier should not fall back to another one). */
    public static boolean isScheme(String header) {
        return header != null && header.regionMatches(true, 0, ALGORITHM + " ", 0, ALGORITHM.length() + 1);
    }

    /** The credentials of an {@code Authorization} header of this scheme; empty if it is malformed. */
    public static Optional<Credentials> parse(String header) {
        if (!isScheme(header)) {
            return Optional.empty();
        }
        String id = null;
        String timestamp = null;
        String nonce = null;
        String signature = null;
        for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                return Optional.empty();
            }
            String name = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            switch (name) {
                case "Credential" -> id = value;
                case "Timestamp" -> timestamp = value;
                case "Nonce" -> nonce = value;
                case "Signature" -> signature = value;
                default -> {
                    return Optional.empty();
                }
            }
        }
        if (id == null || id.isEmpty() || timestamp == null || nonce == null || nonce.isEmpty() || signature == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Credentials(id, Long.parseLong(timestamp), nonce, signature));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks credentials against the request they came with: the signature first (compared in constant
     * time), then the timestamp against {@code nowMillis}.
     */
    public static Verdict verify(Credentials credentials, String secret, Request request, long nowMillis) {
        String expected = sign(secret, request, credentials.timestampMillis(), credentials.nonce());
        if (!Signatures.constantTimeEquals(expected, credentials.signature().toLowerCase(java.util.Locale.ROOT))) {
            return Verdict.BAD_SIGNATURE;
        }
        if (Math.abs(nowMillis - credentials.timestampMillis()) > TIMESTAMP_WINDOW.toMillis()) {
            return Verdict.STALE;
        }
        return Verdict.VALID;
    }

    /** The hex HMAC-SHA256 signature of {@code request}. */
    public static String sign(String secret, Request request, long timestampMillis, String nonce) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA256);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC_SHA256));
            byte[] raw = mac.doFinal(stringToSign(request, timestampMillis, nonce).getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(raw);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** The string to sign (see the class comment). */
    public static String stringToSign(Request request, long timestampMillis, String nonce) {
        return ALGORITHM + '\n' + request.method() + '\n' + request.rawPath() + '\n' + canonicalQuery(request.query())
                + '\n' + timestampMillis + '\n' + nonce + '\n' + sha256Hex(request.body());
    }

    /**
     * The query as signed: every {@code name=value} pair, name and value RFC 3986 encoded (unreserved
     * characters {@code A-Z a-z 0-9 - _ . ~} kept, every other UTF-8 byte as {@code %XX}), sorted by encoded
     * name then encoded value, joined by {@code &}. Empty without parameters.
     */
    public static String canonicalQuery(Map<String, List<String>> query) {
        List<String> pairs = new ArrayList<>();
        query.forEach((name, values) -> {
            for (String value : values.isEmpty() ? List.of("") : values) {
                pairs.add(encode(name) + '=' + encode(value));
            }
        });
        pairs.sort(HttpSignature::comparePairs);
        return String.join("&", pairs);
    }

    private static int comparePairs(String a, String b) {
        int ea = a.indexOf('=');
        int eb = b.indexOf('=');
        int byName = a.substring(0, ea).compareTo(b.substring(0, eb));
        return byName != 0 ? byName : a.substring(ea + 1).compareTo(b.substring(eb + 1));
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters. */
    public static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /** Hex SHA-256 of {@code body} (of zero bytes when null). */
    public static String sha256Hex(byte[] body) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(body == null ? new byte[0] : body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
