package io.pulsemq.broker.api;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.api.RpcEndpoint.RpcException;
import io.pulsemq.protocol.HttpSignature;
import io.pulsemq.protocol.Signatures;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Authentication of {@code /api/v1} calls with an access key: HTTP Basic ({@code id:secret}), or the ApsaraMQ
 * RPC signature v1 over the query parameters (as on {@code /}). A missing or wrong credential is a
 * {@code 401}; a device key a {@code 403}. Secrets are compared in constant time and never
 * appear in messages or logs.
 */
final class ApiAuth {

    /** The {@code WWW-Authenticate} challenge of every 401. */
    static final String CHALLENGE = "Basic realm=\"pulsemq\"";

    /** Compared against when the key ID is unknown, so timing does not tell which IDs exist. */
    private static final String NO_SECRET = "\u0000no-such-key\u0000";

    /** How far a signed request's {@code Timestamp} may be from the broker's clock. */
    static final Duration TIMESTAMP_WINDOW = Duration.ofMinutes(15);
    /** Unexpired nonces remembered per access key (about 800 signed requests a second for 10 minutes). */
    private static final int NONCE_CAPACITY_PER_KEY = 500_000;
    /** The one refusal of every wrong PULSEMQ-HMAC-SHA256 credential, whatever part of it was wrong. */
    private static final String BAD_SIGNED_CREDENTIAL = "unknown access key, wrong signature, stale timestamp or reused nonce";

    private final Map<String, AccessKey> keys = new LinkedHashMap<>();
    private final Clock clock;
    private final NonceCache nonces = new NonceCache(TIMESTAMP_WINDOW.multipliedBy(2).toMillis(),
            NONCE_CAPACITY_PER_KEY);

    ApiAuth(List<AccessKey> accessKeys, Clock clock) {
        for (AccessKey key : accessKeys) {
            keys.put(key.id(), key);
        }
        this.clock = clock;
    }

    /**
     * Verifies an ApsaraMQ RPC signature v1: the common parameters, the key, the timestamp, the
     * signature and the nonce, in that order.
     *
     * @param method the HTTP method the request was signed for
     * @param params every request parameter (query and form), first value each
     * @throws RpcException with the ApsaraMQ error code when anything does not hold
     */
    AccessKey verifySigned(String method, Map<String, String> params) {
        for (String name : List.of("AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp")) {
            if (params.getOrDefault(name, "").isEmpty()) {
                throw new RpcException(400, "Missing" + name, name + " is mandatory for this action.");
            }
        }
        if (!params.get("SignatureMethod").equals("HMAC-SHA1")) {
            throw new RpcException(400, "InvalidSignatureMethod", "SignatureMethod must be HMAC-SHA1.");
        }
        String version = params.get("SignatureVersion");
        if (version != null && !version.equals("1.0")) {
            throw new RpcException(400, "InvalidSignatureVersion", "SignatureVersion must be 1.0.");
        }
        AccessKey key = key(params.get("AccessKeyId")).orElseThrow(() ->
                new RpcException(403, "InvalidAccessKeyId.NotFound", "Specified access key is not found."));
        Instant timestamp;
        try {
            timestamp = Instant.parse(params.get("Timestamp"));
        } catch (DateTimeParseException e) {
            throw new RpcException(400, "InvalidTimeStamp.Format",
                    "Specified time stamp must be ISO 8601 UTC, yyyy-MM-ddTHH:mm:ssZ.");
        }
        Instant now = clock.instant();
        if (Duration.between(timestamp, now).abs().compareTo(TIMESTAMP_WINDOW) > 0) {
            throw new RpcException(400, "InvalidTimeStamp.Expired",
                    "Specified time stamp or date value is expired (more than 15 minutes from the server time " + now + ").");
        }
        if (!RpcSignature.verify(method, params, key.secret())) {
            throw new RpcException(400, "SignatureDoesNotMatch",
                    "Specified signature is not matched with our calculation. server string to sign is:"
                            + RpcSignature.stringToSign(method, params));
        }
        switch (nonces.remember(key.id(), params.get("SignatureNonce"), now.toEpochMilli())) {
            case REPLAYED -> throw new RpcException(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
            case FULL -> throw new RpcException(400, "Throttling.User", "Request was denied due to user flow control.");
            default -> { }
        }
        if (key.role() == AccessKey.Role.DEVICE) {
            throw new RpcException(403, "PermissionCheckFailed", "Access key " + key.id() + " is a device key.");
        }
        return key;
    }

    /** The access key with this ID, if configured. */
    Optional<AccessKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /**
     * The caller of a request.
     *
     * @throws ApiException 401 without a valid Basic credential, 403 for a device key
     */
    Caller authenticate(HttpRequest request) {
        String header = request.header("authorization").orElse("");
        if (header.isEmpty() && request.queryParam(RpcSignature.SIGNATURE).isPresent()) {
            return signed(request);
        }
        if (HttpSignature.isScheme(header)) {
            return hmacSigned(request, header);
        }
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new ApiException(401, "unauthorized", "HTTP Basic authentication with an access key is required");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(401, "unauthorized", "malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        String id = colon < 0 ? decoded : decoded.substring(0, colon);
        String secret = colon < 0 ? "" : decoded.substring(colon + 1);
        AccessKey key = keys.get(id);
        boolean matches = Signatures.constantTimeEquals(key == null ? NO_SECRET : key.secret(), secret);
        if (key == null || !matches) {
            throw new ApiException(401, "unauthorized", "unknown access key or wrong secret");
        }
        Caller caller = new Caller(key);
        caller.requireApiRole();
        return caller;
    }

    /**
     * A call signed with {@link HttpSignature} (method, raw path, query, body, timestamp, nonce). Every wrong
     * credential (malformed header, unknown key, wrong signature, stale timestamp, reused nonce) gets the same
     * 401; the secret of an unknown key is replaced by a constant so the timing is the same too.
     */
    private Caller hmacSigned(HttpRequest request, String header) {
        HttpSignature.Credentials credentials = HttpSignature.parse(header)
                .orElseThrow(() -> new ApiException(401, "unauthorized", BAD_SIGNED_CREDENTIAL));
        AccessKey key = keys.get(credentials.accessKeyId());
        HttpSignature.Request signed = new HttpSignature.Request(request.method(), request.rawPath(),
                request.queryParams(), request.body());
        long now = clock.millis();
        HttpSignature.Verdict verdict = HttpSignature.verify(credentials, key == null ? NO_SECRET : key.secret(),
                signed, now);
        if (key == null || verdict != HttpSignature.Verdict.VALID
                || nonces.remember(key.id(), credentials.nonce(), now) != NonceCache.Result.NEW) {
            throw new ApiException(401, "unauthorized", BAD_SIGNED_CREDENTIAL);
        }
        Caller caller = new Caller(key);
        caller.requireApiRole();
        return caller;
    }

    /** A call signed like an ApsaraMQ RPC call (query parameters only; a body is not signed). */
    private Caller signed(HttpRequest request) {
        Map<String, String> params = new LinkedHashMap<>();
        request.queryParams().forEach((name, values) -> params.put(name, values.isEmpty() ? "" : values.get(0)));
        try {
            return new Caller(verifySigned(request.method(), params));
        } catch (RpcException e) {
            throw e.status == 403 ? ApiException.forbidden(e.getMessage())
                    : new ApiException(401, "unauthorized", e.code + ": " + e.getMessage());
        }
    }

    /** An authenticated access key and what it may see. */
    record Caller(AccessKey key) {

        /** @throws ApiException 403 for device keys, which may not use the API */
        void requireApiRole() {
            if (key.role() == AccessKey.Role.DEVICE) {
                throw ApiException.forbidden("access key " + key.id() + " is a device key; the API needs a server or admin key");
            }
        }

        /** Whether this caller may see and act on clients of {@code groupId}. */
        boolean sees(String groupId) {
            return key.seesGroup(groupId);
        }

        /** @throws ApiException 403 unless the caller may see {@code groupId} */
        void requireGroup(String groupId) {
            if (!sees(groupId)) {
                throw ApiException.forbidden("access key " + key.id() + " is not allowed for group '" + groupId + "'");
            }
        }
    }
}
