package io.pulsemq.broker.api;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.protocol.Signatures;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP Basic authentication of {@code /api/v1} calls with an access key ({@code id:secret}). A missing or wrong
 * credential is a {@code 401}; a device key a {@code 403}. Secrets are compared in constant time and never
 * appear in messages or logs.
 */
final class ApiAuth {

    /** The {@code WWW-Authenticate} challenge of every 401. */
    static final String CHALLENGE = "Basic realm=\"pulsemq\"";

    /** Compared against when the key ID is unknown, so timing does not tell which IDs exist. */
    private static final String NO_SECRET = "\u0000no-such-key\u0000";

    private final Map<String, AccessKey> keys = new LinkedHashMap<>();

    ApiAuth(List<AccessKey> accessKeys) {
        for (AccessKey key : accessKeys) {
            keys.put(key.id(), key);
        }
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
            return key.role() == AccessKey.Role.ADMIN || key.allowsGroup(groupId);
        }

        /** @throws ApiException 403 unless the caller may see {@code groupId} */
        void requireGroup(String groupId) {
            if (!sees(groupId)) {
                throw ApiException.forbidden("access key " + key.id() + " is not allowed for group '" + groupId + "'");
            }
        }
    }
}
