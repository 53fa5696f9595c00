package io.pulsemq.broker.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.api.Cursors.TracePosition;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.presence.PresenceRegistry.GroupCounts;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The synchronous status queries of {@code /api/v1}: one client, a batch, a page of the list, group counts, a
 * client's trace, and the kick. Memory lookups answer on the calling thread; {@link #list} and {@link #trace}
 * scan and belong off the event loop.
 */
final class ClientQueries {

    /** Most IDs in one batch query. */
    static final int MAX_BATCH = 1000;
    /** Largest page of the list and the trace. */
    static final int MAX_PAGE = 1000;
    static final int DEFAULT_PAGE = 100;

    private static final JsonFactory PARSER = new JsonFactory();

    private final PresenceRegistry presence;
    private final SessionRegistry sessions;
    private final TraceReader traces;

    ClientQueries(PresenceRegistry presence, SessionRegistry sessions, TraceReader traces) {
        this.presence = presence;
        this.sessions = sessions;
        this.traces = traces;
    }

    /** {@code GET /clients/{clientId}}. */
    HttpResponse client(HttpRequest request, Caller caller) {
        String clientId = request.pathParam("clientId");
        caller.requireGroup(ClientIds.groupOf(clientId));
        ClientStatus status = presence.get(clientId);
        return StatusJson.response(200, 512, g -> StatusJson.writeStatus(g, status));
    }

    /**
     * {@code POST /clients/status}: statuses in request order, with the revision read before them, so every event
     * at or below it is reflected.
     */
    HttpResponse batch(HttpRequest request, Caller caller) {
        String[] ids = parseClientIds(request.body());
        if (caller.key().role() != io.pulsemq.broker.config.AccessKey.Role.ADMIN) {
            for (String id : ids) {
                caller.requireGroup(ClientIds.groupOf(id));
            }
        }
        long revision = presence.revision();
        // Each known status is already JSON (encoded once when it changed): the answer is a concatenation,
        // sized exactly before it is copied once.
        byte[] head = ("{\"revision\":" + revision + ",\"statuses\":[").getBytes(StandardCharsets.US_ASCII);
        byte[][] parts = new byte[ids.length][];
        int size = head.length + ids.length - 1 + 2;
        for (int i = 0; i < ids.length; i++) {
            byte[] json = presence.json(ids[i]);
            parts[i] = json != null ? json : ClientStatusJson.encode(ClientStatus.unknown(ids[i]));
            size += parts[i].length;
        }
        byte[] body = new byte[size];
        System.arraycopy(head, 0, body, 0, head.length);
        int at = head.length;
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            System.arraycopy(parts[i], 0, body, at, parts[i].length);
            at += parts[i].length;
        }
        body[at++] = ']';
        body[at] = '}';
        return new HttpResponse(200, HttpResponse.JSON, body, Map.of());
    }

    /** Parses {@code {"clientIds": [...]}}: 1 to {@value #MAX_BATCH} non-empty strings. */
    static String[] parseClientIds(byte[] body) {
        List<String> ids = null;
        try (JsonParser p = PARSER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ApiException(400, "malformed_json", "the body must be a JSON object {\"clientIds\": [...]}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("clientIds")) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw ApiException.badRequest("'clientIds' must be an array of client IDs");
                }
                ids = new ArrayList<>();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    if (t != JsonToken.VALUE_STRING || p.getTextLength() == 0) {
                        throw ApiException.badRequest("'clientIds' must hold non-empty strings");
                    }
                    if (ids.size() == MAX_BATCH) {
                        throw ApiException.badRequest("'clientIds' holds more than " + MAX_BATCH + " IDs");
                    }
                    ids.add(p.getText());
                }
            }
            if (p.nextToken() != null) {
                throw new ApiException(400, "malformed_json", "unexpected content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed_json", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (ids == null || ids.isEmpty()) {
            throw ApiException.badRequest("'clientIds' must hold 1 to " + MAX_BATCH + " client IDs");
        }
        return ids.toArray(new String[0]);
    }

    /** {@code GET /clients?group=&online=&prefix=&limit=&cursor=}. */
    HttpResponse list(HttpRequest request, Caller caller) {
        Optional<String> group = Params.text(request, "group");
        Optional<Boolean> online = Params.boolParam(request, "online");
        String prefix = Params.text(request, "prefix").orElse("");
        int limit = Params.intParam(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        String after = Params.text(request, "cursor").map(Cursors::decodeClient).orElse(null);
        group.ifPresent(caller::requireGroup);
        String scan = prefix;
        if (group.isPresent() && !prefix.startsWith(group.get() + ClientIds.SEPARATOR)) {
            // Every client of a named group starts with "<group>@@@": scan only those.
            String groupPrefix = group.get() + ClientIds.SEPARATOR;
            scan = groupPrefix.startsWith(prefix) ? groupPrefix : prefix;
        }
        String effectivePrefix = prefix;
        Predicate<ClientStatus> filter = s -> (group.isEmpty() || group.get().equals(s.groupId()))
                && (online.isEmpty() || online.get() == s.online())
                && s.clientId().startsWith(effectivePrefix)
                && caller.sees(s.groupId());
        long revision = presence.revision();
        List<ClientStatus> page = presence.page(after, scan, filter, limit + 1);
        boolean more = page.size() > limit;
        List<ClientStatus> items = more ? page.subList(0, limit) : page;
        String next = more ? Cursors.encodeClient(items.get(items.size() - 1).clientId()) : null;
        return StatusJson.response(200, 64 + items.size() * 320, g -> {
            g.writeStartObject();
            g.writeNumberField("revision", revision);
            g.writeArrayFieldStart("items");
            for (ClientStatus s : items) {
                StatusJson.writeStatus(g, s);
            }
            g.writeEndArray();
            g.writeStringField("nextCursor", next);
            g.writeEndObject();
        });
    }

    /** {@code GET /groups}: counts of every group the caller sees. */
    HttpResponse groups(HttpRequest request, Caller caller) {
        long revision = presence.revision();
        List<GroupCounts> groups = presence.groups();
        return StatusJson.response(200, 64 + groups.size() * 64, g -> {
            g.writeStartObject();
            g.writeNumberField("revision", revision);
            g.writeArrayFieldStart("groups");
            for (GroupCounts c : groups) {
                if (caller.sees(c.groupId())) {
                    writeGroup(g, c);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code GET /groups/{groupId}}: zeros for a group without known clients. */
    HttpResponse group(HttpRequest request, Caller caller) {
        String groupId = request.pathParam("groupId");
        caller.requireGroup(groupId);
        GroupCounts counts = presence.group(groupId);
        return StatusJson.response(200, 128, g -> writeGroup(g, counts));
    }

    private static void writeGroup(com.fasterxml.jackson.core.JsonGenerator g, GroupCounts c) throws IOException {
        g.writeStartObject();
        g.writeStringField("groupId", c.groupId());
        g.writeNumberField("online", c.online());
        g.writeNumberField("known", c.known());
        g.writeEndObject();
    }

    /** {@code GET /clients/{clientId}/trace?begin=&end=&limit=&cursor=&reverse=}; reads the log. */
    HttpResponse trace(HttpRequest request, Caller caller) {
        String clientId = request.pathParam("clientId");
        caller.requireGroup(ClientIds.groupOf(clientId));
        long begin = Params.longParam(request, "begin", 0);
        long end = Params.longParam(request, "end", Long.MAX_VALUE);
        if (begin > end) {
            throw ApiException.badRequest("'begin' is after 'end'");
        }
        int limit = Params.intParam(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        boolean reverse = Params.boolParam(request, "reverse").orElse(false);
        TracePosition from = Params.text(request, "cursor").map(TracePosition::decode).orElse(null);
        TraceReader.Page page = traces.page(clientId, begin, end, limit, reverse, from);
        return StatusJson.response(200, 64 + page.items().size() * 320, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("items");
            for (TraceReader.Item item : page.items()) {
                if (item instanceof TraceReader.EventItem e) {
                    StatusJson.writeEvent(g, e.event());
                } else {
                    StatusJson.writeRejected(g, ((TraceReader.RejectedItem) item).attempt());
                }
            }
            g.writeEndArray();
            g.writeStringField("nextCursor", page.next() == null ? null : page.next().encode());
            g.writeEndObject();
        });
    }

    /** The answer of a successful kick. */
    record Disconnected(String clientId, boolean disconnected) {
    }

    /** {@code POST /clients/{clientId}/disconnect}: 200 once the {@code tcpclean} is durable, 404 when offline. */
    CompletionStage<HttpResponse> disconnect(HttpRequest request, Caller caller) {
        String clientId = request.pathParam("clientId");
        caller.requireGroup(ClientIds.groupOf(clientId));
        return sessions.kick(clientId).thenApply(kicked -> kicked
                ? HttpResponse.json(200, new Disconnected(clientId, true))
                : HttpResponse.error(404, "not_found", "client " + clientId + " is not connected"));
    }
}
