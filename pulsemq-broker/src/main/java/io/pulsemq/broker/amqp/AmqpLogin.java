package io.pulsemq.broker.amqp;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.protocol.Signatures;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a server SDK login is accepted. Pure: no I/O, time from the injected clock.
 *
 * <p>The SDK ({@code AliyunCredentialsProvider}) logs in with SASL PLAIN: username
 * {@code Base64("0:" + instanceId + ":" + accessKeyId)} (a fourth part, an STS token, is ignored), password
 * {@code Base64(HmacSHA1(key = secret, data = timestamp))}, and the same millisecond timestamp as client
 * property {@code signKey}. The login is accepted when the instance is ours, the key exists with role
 * {@code server} or {@code admin}, the password matches (compared in constant time) and the timestamp is
 * neither older than {@code maxAge} (0: no limit) nor further in the future than {@code maxSkew}.
 */
final class AmqpLogin {

    /** The SASL mechanism the endpoint offers. */
    static final String MECHANISM = "PLAIN";
    /** Client property carrying the signed timestamp. */
    static final String SIGN_KEY = "signKey";
    /** Stands in for the secret of an unknown key (an HMAC key must not be empty); never matches. */
    private static final String UNKNOWN_KEY_SECRET = "\0unknown-access-key";

    private final String instanceId;
    private final Map<String, AccessKey> keys;
    private final Clock clock;
    private final Duration maxAge;
    private final Duration maxSkew;

    AmqpLogin(String instanceId, List<AccessKey> keys, Clock clock, Duration maxAge, Duration maxSkew) {
        this.instanceId = instanceId;
        this.keys = keys.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(AccessKey::id, k -> k));
        this.clock = clock;
        this.maxAge = maxAge;
        this.maxSkew = maxSkew;
    }

    /** The outcome: the key on success, else why not (for the log and the close text). */
    record Result(AccessKey key, String refusal) {
        static Result refused(String why) {
            return new Result(null, why);
        }

        boolean accepted() {
            return key != null;
        }
    }

    /**
     * @param mechanism  the SASL mechanism the client chose
     * @param response   the SASL response bytes ({@code \0username\0password} for PLAIN)
     * @param signKey    the {@code signKey} client property, or null
     */
    Result authenticate(String mechanism, byte[] response, String signKey) {
        if (!MECHANISM.equals(mechanism)) {
            return Result.refused("mechanism " + mechanism + " is not supported; use PLAIN");
        }
        Optional<String[]> plain = splitPlain(response);
        if (plain.isEmpty()) {
            return Result.refused("malformed PLAIN response");
        }
        String username = plain.get()[0];
        String password = plain.get()[1];
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(username), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Result.refused("username is not Base64(\"0:<instanceId>:<accessKeyId>\")");
        }
        String[] parts = decoded.split(":", -1);
        if (parts.length < 3 || parts.length > 4) {
            return Result.refused("username is not Base64(\"0:<instanceId>:<accessKeyId>\")");
        }
        if (!instanceId.equals(parts[1])) {
            return Result.refused("unknown instance " + parts[1]);
        }
        AccessKey key = keys.get(parts[2]);
        // Compute the HMAC even for an unknown key, so timing does not reveal which key IDs exist.
        String secret = key == null ? UNKNOWN_KEY_SECRET : key.secret();
        if (signKey == null || signKey.isEmpty() || !signKey.chars().allMatch(Character::isDigit) || signKey.length() > 18) {
            return Result.refused("client property signKey (the signed timestamp) is missing or not a number");
        }
        boolean signatureOk = Signatures.constantTimeEquals(Signatures.hmacSha1Base64(secret, signKey), password);
        if (key == null || !signatureOk) {
            return Result.refused("wrong access key or signature");
        }
        if (key.role() == AccessKey.Role.DEVICE) {
            return Result.refused("access key " + key.id() + " has role device; the server SDK needs server or admin");
        }
        long signedAt = Long.parseLong(signKey);
        long now = clock.millis();
        if (signedAt - now > maxSkew.toMillis()) {
            return Result.refused("signature timestamp is in the future");
        }
        if (!maxAge.isZero() && now - signedAt > maxAge.toMillis()) {
            return Result.refused("signature expired (signed " + Duration.ofMillis(now - signedAt).toSeconds()
                    + "s ago; amqp.signatureMaxAge is " + maxAge + ")");
        }
        return new Result(key, null);
    }

    /** Splits {@code [authzid] \0 authcid \0 passwd} [RFC 4616]. */
    private static Optional<String[]> splitPlain(byte[] response) {
        if (response == null) {
            return Optional.empty();
        }
        String s = new String(response, StandardCharsets.UTF_8);
        int first = s.indexOf('\0');
        int second = first < 0 ? -1 : s.indexOf('\0', first + 1);
        if (second < 0) {
            return Optional.empty();
        }
        return Optional.of(new String[] {s.substring(first + 1, second), s.substring(second + 1)});
    }
}
