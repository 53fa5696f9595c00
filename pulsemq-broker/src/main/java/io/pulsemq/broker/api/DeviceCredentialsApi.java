package io.pulsemq.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.auth.DeviceCredential;
import io.pulsemq.broker.auth.DeviceCredentials;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.protocol.ClientIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Device credentials (ApsaraMQ's unique certificate per device) on {@code /api/v1/device-credentials} and as the
 * ApsaraMQ RPC actions ({@link RpcEndpoint}): a backend registers a client ID and receives the one key ID and secret
 * that device connects with. Server keys manage the client IDs of their groups, admin keys any.
 *
 * <p>A credential replaced (registered again, refreshed) or revoked stops working at once, and a device still
 * connected with it is disconnected (reason {@code kicked}), so revoking a leaked credential cuts the intruder off.
 * Runs on the API executor: registrations are synced to disk before they are answered.
 */
public final class DeviceCredentialsApi {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceCredentialsApi.class);
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** MQTT's limit for a client ID (a UTF-8 string of at most 65,535 bytes). */
    private static final int MAX_CLIENT_ID_BYTES = 65_535;

    private final DeviceCredentials credentials;
    private final SessionRegistry sessions;
    private final String instanceId;
    private final boolean strictClientIds;

    DeviceCredentialsApi(DeviceCredentials credentials, SessionRegistry sessions, String instanceId, boolean strictClientIds) {
        this.credentials = credentials;
        this.sessions = sessions;
        this.instanceId = instanceId;
        this.strictClientIds = strictClientIds;
    }

    /** {@code POST /device-credentials} body {@code {"clientId": ...}}: 201 with the new credential. */
    HttpResponse register(HttpRequest request, Caller caller) {
        String clientId = clientIdFromBody(request);
        DeviceCredentials.Change change = register(clientId, caller);
        return HttpResponse.json(201, json(change.current()));
    }

    /** {@code GET /device-credentials/{clientId}}: 200, or 404 when it has none. */
    HttpResponse get(HttpRequest request, Caller caller) {
        String clientId = permitted(request.pathParam("clientId"), caller);
        return HttpResponse.json(200, json(find(clientId)));
    }

    /** {@code POST /device-credentials/{clientId}/refresh}: 200 with a new key ID and secret, or 404. */
    HttpResponse refresh(HttpRequest request, Caller caller) {
        String clientId = permitted(request.pathParam("clientId"), caller);
        DeviceCredentials.Change change = refresh(clientId, caller)
                .orElseThrow(() -> notFound(clientId));
        return HttpResponse.json(200, json(change.current()));
    }

    /** {@code DELETE /device-credentials/{clientId}}: 204, or 404 when it has none. */
    HttpResponse revoke(HttpRequest request, Caller caller) {
        String clientId = permitted(request.pathParam("clientId"), caller);
        revoke(clientId, caller).orElseThrow(() -> notFound(clientId));
        return new HttpResponse(204, HttpResponse.JSON, new byte[0], Map.of());
    }

    // ---- shared with the RPC actions -----------------------------------------------------------------------

    /** Registers (or replaces) the credential of a client ID the caller may manage. */
    DeviceCredentials.Change register(String clientId, Caller caller) {
        permitted(clientId, caller);
        DeviceCredentials.Change change = credentials.register(clientId);
        LOG.info("device credential {} registered for {} by {}{}", change.current().accessKeyId(), clientId,
                caller.key().id(), change.replaced() == null ? "" : " (replacing " + change.replaced().accessKeyId() + ")");
        cutOff(change.replaced());
        return change;
    }

    /** Issues a new credential for a client ID that has one. */
    Optional<DeviceCredentials.Change> refresh(String clientId, Caller caller) {
        permitted(clientId, caller);
        Optional<DeviceCredentials.Change> change = credentials.refresh(clientId);
        change.ifPresent(c -> {
            LOG.info("device credential of {} refreshed by {}: {} replaces {}", clientId, caller.key().id(),
                    c.current().accessKeyId(), c.replaced().accessKeyId());
            cutOff(c.replaced());
        });
        return change;
    }

    /** Deletes a client ID's credential. */
    Optional<DeviceCredential> revoke(String clientId, Caller caller) {
        permitted(clientId, caller);
        Optional<DeviceCredential> revoked = credentials.revoke(clientId);
        revoked.ifPresent(c -> {
            LOG.info("device credential {} of {} revoked by {}", c.accessKeyId(), clientId, caller.key().id());
            cutOff(c);
        });
        return revoked;
    }

    /** The credential of a client ID the caller may manage. */
    DeviceCredential find(String clientId) {
        return credentials.of(clientId).orElseThrow(() -> notFound(clientId));
    }

    /** The MQTT username a device connects with. */
    String username(DeviceCredential c) {
        return "DeviceCredential|" + c.accessKeyId() + "|" + instanceId;
    }

    /** Checks a client ID and the caller's right to manage it; answers the client ID. */
    String permitted(String clientId, Caller caller) {
        caller.requireApiRole();
        if (clientId == null || clientId.isEmpty()) {
            throw ApiException.badRequest("clientId must be set");
        }
        if (clientId.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_ID_BYTES) {
            throw ApiException.badRequest("clientId is longer than MQTT allows (65,535 bytes)");
        }
        if (strictClientIds && !ClientIds.isStrictlyValid(clientId)) {
            throw ApiException.badRequest("clientId '" + clientId + "' is not a valid ApsaraMQ client ID "
                    + "(GID_<group>@@@<device>, at most 64 characters of [0-9A-Za-z_-]); clientIds.strict is on");
        }
        caller.requireGroup(ClientIds.groupOf(clientId));
        return clientId;
    }

    /** Disconnects the device still connected with a credential that no longer works. */
    private void cutOff(DeviceCredential old) {
        cutOff(sessions, old);
    }

    /**
     * Disconnects the device of {@code old} if it is connected here with that credential, which no longer works
     * (replaced or revoked, here or on another cluster node).
     */
    public static void cutOff(SessionRegistry sessions, DeviceCredential old) {
        if (old == null) {
            return;
        }
        String prefix = "DeviceCredential|" + old.accessKeyId() + "|";
        sessions.kickIf(old.clientId(), info -> info.username() != null && info.username().startsWith(prefix))
                .thenAccept(kicked -> {
                    if (kicked) {
                        LOG.info("disconnected {}: its device credential {} no longer works", old.clientId(),
                                old.accessKeyId());
                    }
                });
    }

    private static String clientIdFromBody(HttpRequest request) {
        JsonNode body;
        try {
            body = MAPPER.readTree(request.body());
        } catch (IOException e) {
            throw ApiException.badRequest("the body must be a JSON object {\"clientId\": \"GID_x@@@device\"}");
        }
        if (body == null || !body.isObject() || !body.path("clientId").isTextual()) {
            throw ApiException.badRequest("the body must be a JSON object {\"clientId\": \"GID_x@@@device\"}");
        }
        return body.get("clientId").asText();
    }

    private static ApiException notFound(String clientId) {
        return new ApiException(404, "not_found", "client " + clientId + " has no device credential");
    }

    private Map<String, Object> json(DeviceCredential c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clientId", c.clientId());
        m.put("deviceAccessKeyId", c.accessKeyId());
        m.put("deviceAccessKeySecret", c.secret());
        m.put("username", username(c));
        m.put("createdAt", Instant.ofEpochMilli(c.createdAt()).toString());
        m.put("updatedAt", Instant.ofEpochMilli(c.updatedAt()).toString());
        return m;
    }
}
