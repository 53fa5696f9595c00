package io.pulsemq.broker.api;

import io.pulsemq.broker.auth.DeviceCredential;
import io.pulsemq.broker.auth.DeviceCredentials;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pulsemq.broker.api.TraceReader.EventItem;
import io.pulsemq.broker.api.TraceReader.Item;
import io.pulsemq.broker.api.TraceReader.RejectedItem;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.statuslog.RejectedConnect;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The ApsaraMQ for MQTT OpenAPI actions (product {@code onsmqtt}, RPC style) on {@code /}: {@code GET} with the
 * parameters in the query, or {@code POST} with them form-encoded. Every call is signed (RPC signature v1, see
 * {@link RpcSignature}), carries a {@code Timestamp} within 15 minutes of the broker's clock and a
 * {@code SignatureNonce} not used in the last 30 minutes. Answers and errors use ApsaraMQ's field names:
 * errors are {@code {"RequestId", "HostId", "Code", "Message"}} with HTTP 400 (bad request, signature) or 403
 * (key, role, instance or group not allowed).
 */
final class RpcEndpoint {

    /** Most IDs in {@code BatchQuerySessionByClientIds} (ApsaraMQ: 10). */
    static final int MAX_BATCH = 1000;
    private static final DateTimeFormatter TRACE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);

    private final String instanceId;
    private final ApiAuth auth;
    private final PresenceRegistry presence;
    private final SessionRegistry sessions;
    private final TraceReader traces;
    private final Executor executor;
    private final Clock clock;
    private final DeviceCredentialsApi devices;

    RpcEndpoint(String instanceId, ApiAuth auth, PresenceRegistry presence, SessionRegistry sessions,
                TraceReader traces, Executor executor, Clock clock) {
        this(instanceId, auth, presence, sessions, traces, executor, clock, new DeviceCredentialsApi(
                DeviceCredentials.inMemory(clock), sessions, instanceId, false));
    }

    RpcEndpoint(String instanceId, ApiAuth auth, PresenceRegistry presence, SessionRegistry sessions,
                TraceReader traces, Executor executor, Clock clock, DeviceCredentialsApi devices) {
        this.devices = devices;
        this.instanceId = instanceId;
        this.auth = auth;
        this.presence = presence;
        this.sessions = sessions;
        this.traces = traces;
        this.executor = executor;
        this.clock = clock;
    }

    /** An ApsaraMQ error answer. */
    static final class RpcException extends RuntimeException {
        final int status;
        final String code;

        RpcException(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    /** Handles one call; never throws for a bad request. */
    CompletionStage<HttpResponse> handle(HttpRequest request) {
        String requestId = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
        String host = request.header("host").orElse(null);
        try {
            Map<String, String> params = params(request);
            AccessKey key = auth.verifySigned(request.method(), params);
            return dispatch(params, key, requestId).handle((response, error) -> {
                if (error == null) {
                    return response;
                }
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                if (cause instanceof RpcException e) {
                    return errorResponse(e, requestId, host);
                }
                throw error instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(error);
            });
        } catch (RpcException e) {
            return CompletableFuture.completedFuture(errorResponse(e, requestId, host));
        }
    }

    private static HttpResponse errorResponse(RpcException e, String requestId, String host) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", requestId);
        if (host != null) {
            body.put("HostId", host);
        }
        body.put("Code", e.code);
        body.put("Message", e.getMessage());
        return HttpResponse.json(e.status, body);
    }

    /** Query parameters, and for a form POST the body's too; the first value of each name. */
    private static Map<String, String> params(HttpRequest request) {
        Map<String, String> params = new TreeMap<>();
        request.queryParams().forEach((name, values) -> params.put(name, values.isEmpty() ? "" : values.get(0)));
        if (request.method().equals("POST") && request.body().length > 0) {
            String contentType = request.header("content-type").orElse("").toLowerCase(Locale.ROOT);
            if (!contentType.startsWith("application/x-www-form-urlencoded")) {
                throw new RpcException(400, "InvalidParameter.ContentType",
                        "POST parameters must be form-encoded (application/x-www-form-urlencoded)");
            }
            try {
                new QueryStringDecoder("?" + new String(request.body(), StandardCharsets.UTF_8))
                        .parameters().forEach((name, values) -> params.putIfAbsent(name, values.isEmpty() ? "" : values.get(0)));
            } catch (IllegalArgumentException e) {
                throw new RpcException(400, "InvalidParameter", "malformed form body");
            }
        }
        return params;
    }

    private CompletionStage<HttpResponse> dispatch(Map<String, String> params, AccessKey key, String requestId) {
        String action = params.getOrDefault("Action", "");
        if (action.isEmpty()) {
            throw new RpcException(400, "MissingAction", "Action is mandatory for this action.");
        }
        switch (action) {
            case "QuerySessionByClientId", "BatchQuerySessionByClientIds", "QueryMqttTraceDevice", "CloseConnection",
                    "RegisterDeviceCredential", "GetDeviceCredential", "RefreshDeviceCredential",
                    "UnRegisterDeviceCredential" -> { }
            default -> throw new RpcException(400, "InvalidAction.NotFound", "Specified api " + action + " is not found.");
        }
        String instance = required(params, "InstanceId");
        if (!instance.equals(instanceId)) {
            throw new RpcException(403, "InstancePermissionCheckFailed", "Instance " + instance + " is not this instance.");
        }
        return switch (action) {
            case "QuerySessionByClientId" -> {
                String clientId = clientId(params, key);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("RequestId", requestId);
                body.put("OnlineStatus", presence.get(clientId).online());
                yield CompletableFuture.completedFuture(HttpResponse.json(200, body));
            }
            case "BatchQuerySessionByClientIds" -> CompletableFuture.completedFuture(batch(params, key, requestId));
            case "QueryMqttTraceDevice" -> {
                TraceQuery query = traceQuery(params, key);
                yield CompletableFuture.supplyAsync(() -> trace(query, requestId), executor);
            }
            case "RegisterDeviceCredential", "GetDeviceCredential", "RefreshDeviceCredential",
                    "UnRegisterDeviceCredential" -> {
                String clientId = clientId(params, key);
                yield CompletableFuture.supplyAsync(() -> deviceCredential(action, clientId, key, requestId), executor);
            }
            default -> {
                String clientId = clientId(params, key);
                yield sessions.kick(clientId).thenApply(kicked -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("RequestId", requestId);
                    body.put("Code", kicked ? 200 : 404);
                    body.put("Message", kicked ? "operation success" : "client " + clientId + " is not connected");
                    body.put("Success", kicked);
                    return HttpResponse.json(200, body);
                });
            }
        };
    }

    /** The device credential actions: {@code {"RequestId", "DeviceCredential": {...}}} ({@code UnRegister}: no credential). */
    private HttpResponse deviceCredential(String action, String clientId, AccessKey key, String requestId) {
        ApiAuth.Caller caller = new ApiAuth.Caller(key);
        DeviceCredential credential;
        try {
            credential = switch (action) {
                case "RegisterDeviceCredential" -> devices.register(clientId, caller).current();
                case "RefreshDeviceCredential" -> devices.refresh(clientId, caller).orElseThrow(() -> noCredential(clientId))
                        .current();
                case "UnRegisterDeviceCredential" -> {
                    devices.revoke(clientId, caller).orElseThrow(() -> noCredential(clientId));
                    yield null;
                }
                default -> {
                    devices.permitted(clientId, caller);
                    yield devices.find(clientId);
                }
            };
        } catch (ApiException e) {
            throw e.status() == 404 ? noCredential(clientId)
                    : new RpcException(e.status(), e.status() == 403 ? "PermissionCheckFailed" : "ParameterCheckFailed",
                    e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", requestId);
        if (credential != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("ClientId", credential.clientId());
            c.put("DeviceAccessKeyId", credential.accessKeyId());
            c.put("DeviceAccessKeySecret", credential.secret());
            c.put("InstanceId", instanceId);
            c.put("CreateTime", credential.createdAt());
            c.put("UpdateTime", credential.updatedAt());
            body.put("DeviceCredential", c);
        }
        return HttpResponse.json(200, body);
    }

    private static RpcException noCredential(String clientId) {
        return new RpcException(404, "DeviceCredentialNotFound", "Client " + clientId + " has no device credential.");
    }

    private HttpResponse batch(Map<String, String> params, AccessKey key, String requestId) {
        List<String> ids = new ArrayList<>();
        for (int n = 1; params.containsKey("ClientIdList." + n); n++) {
            if (n > MAX_BATCH) {
                throw new RpcException(400, "ParameterCheckFailed", "ClientIdList holds more than " + MAX_BATCH + " IDs.");
            }
            String id = params.get("ClientIdList." + n);
            requireGroup(key, id);
            ids.add(id);
        }
        if (ids.isEmpty()) {
            throw new RpcException(400, "ParameterCheckFailed", "ClientIdList.1 is mandatory for this action.");
        }
        List<Map<String, Object>> list = new ArrayList<>(ids.size());
        for (String id : ids) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("ClientId", id);
            item.put("OnlineStatus", presence.get(id).online());
            list.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", requestId);
        body.put("OnlineStatusList", list);
        return HttpResponse.json(200, body);
    }

    private record TraceQuery(String clientId, long begin, long end, int page, int pageSize, boolean reverse) {
    }

    private TraceQuery traceQuery(Map<String, String> params, AccessKey key) {
        String clientId = clientId(params, key);
        long begin = number(params, "BeginTime", null);
        long end = number(params, "EndTime", null);
        if (begin > end) {
            throw new RpcException(400, "ParameterCheckFailed", "BeginTime is after EndTime.");
        }
        long page = number(params, "CurrentPage", 1L);
        long size = number(params, "PageSize", 10L);
        if (page < 1 || page > Integer.MAX_VALUE) {
            throw new RpcException(400, "ParameterCheckFailed", "CurrentPage must be 1 or more.");
        }
        if (size < 1 || size > 100) {
            throw new RpcException(400, "ParameterCheckFailed", "PageSize must be between 1 and 100.");
        }
        String reverse = params.getOrDefault("Reverse", "false");
        if (!reverse.equalsIgnoreCase("true") && !reverse.equalsIgnoreCase("false")) {
            throw new RpcException(400, "ParameterCheckFailed", "Reverse must be true or false.");
        }
        return new TraceQuery(clientId, begin, end, (int) page, (int) size, reverse.equalsIgnoreCase("true"));
    }

    private HttpResponse trace(TraceQuery q, String requestId) {
        TraceReader.Window window = traces.window(q.clientId(), q.begin(), q.end(), q.reverse(),
                (long) (q.page() - 1) * q.pageSize(), q.pageSize());
        List<Map<String, Object>> devices = new ArrayList<>(window.items().size());
        for (Item item : window.items()) {
            devices.add(deviceInfo(item));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", requestId);
        body.put("CurrentPage", q.page());
        body.put("PageSize", q.pageSize());
        body.put("Total", window.total());
        body.put("DeviceInfoList", devices);
        return HttpResponse.json(200, body);
    }

    private Map<String, Object> deviceInfo(Item item) {
        String channelId;
        String action;
        String info;
        if (item instanceof EventItem e) {
            StatusEvent event = e.event().event();
            channelId = event.channelId();
            action = action(event.eventType());
            info = actionInfo(event.eventType(), event.reason());
        } else {
            RejectedConnect r = ((RejectedItem) item).attempt();
            channelId = r.channelId();
            action = "connect";
            info = rejectedInfo(r.reason());
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("ChannelId", channelId);
        d.put("Time", TRACE_TIME.format(Instant.ofEpochMilli(item.time()).atZone(clock.getZone())));
        d.put("Action", action);
        d.put("ActionCode", "mqtt.trace.action." + action);
        d.put("ActionInfo", info);
        return d;
    }

    /** ApsaraMQ's trace action of an event type. */
    static String action(EventType type) {
        return switch (type) {
            case CONNECT -> "connect";
            case DISCONNECT -> "disconnect";
            case TCPCLEAN -> "close";
        };
    }

    /** ApsaraMQ's trace ActionInfo of an event. */
    static String actionInfo(EventType type, DisconnectReason reason) {
        if (type == EventType.CONNECT) {
            return "accepted";
        }
        if (type == EventType.DISCONNECT) {
            return "disconnected by client";
        }
        if (reason == null) {
            return "closed";
        }
        return switch (reason) {
            case CLIENT_DISCONNECT -> "closed by client";
            case CONNECTION_LOST -> "Socket IOException";
            case KEEPALIVE_TIMEOUT -> "no heart";
            case SESSION_TAKEN_OVER -> "clientId conflict";
            case KICKED -> "closed by server";
            case PROTOCOL_ERROR -> "invalid param";
            case NOT_AUTHORIZED -> "not authorized";
            case SERVER_SHUTDOWN -> "server shutdown";
            case SERVER_CRASH -> "server crash";
        };
    }

    /** ApsaraMQ's trace ActionInfo of a refused connection attempt. */
    static String rejectedInfo(String reason) {
        if (reason == null) {
            return "not authorized";
        }
        return switch (reason) {
            case "not_authorized" -> "not authorized";
            case "protocol_error" -> "invalid param";
            case "session_taken_over" -> "clientId conflict";
            default -> reason.replace('_', ' ');
        };
    }

    private static String clientId(Map<String, String> params, AccessKey key) {
        String clientId = required(params, "ClientId");
        requireGroup(key, clientId);
        return clientId;
    }

    private static void requireGroup(AccessKey key, String clientId) {
        String group = ClientIds.groupOf(clientId);
        if (!key.seesGroup(group)) {
            throw new RpcException(403, "PermissionCheckFailed",
                    "Access key " + key.id() + " is not allowed for group '" + group + "'.");
        }
    }

    private static String required(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null || value.isEmpty()) {
            throw new RpcException(400, "ParameterCheckFailed", name + " is mandatory for this action.");
        }
        return value;
    }

    private static long number(Map<String, String> params, String name, Long fallback) {
        String value = params.get(name);
        if (value == null || value.isEmpty()) {
            if (fallback == null) {
                throw new RpcException(400, "ParameterCheckFailed", name + " is mandatory for this action.");
            }
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new RpcException(400, "ParameterCheckFailed", name + " must be a whole number.");
        }
    }
}
