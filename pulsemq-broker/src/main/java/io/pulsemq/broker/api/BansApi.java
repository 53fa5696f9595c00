package io.pulsemq.broker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.Durations;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET|POST /api/v1/bans} and {@code DELETE /api/v1/bans/{kind}/{value}}: the ban list, for admin keys
 * only. A ban is {@code {kind, value, until, reason, by, at}} with {@code kind} one of {@code clientId},
 * {@code username}, {@code address} (an IP or a CIDR block) and {@code until} an ISO-8601 instant or null
 * (permanent). Bans added here are stored and survive restarts; the broker's automatic bans (failed logins,
 * flapping) are listed too but end with the broker.
 */
final class BansApi {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final BanList bans;
    private final Clock clock;

    BansApi(BanList bans, Clock clock) {
        this.bans = bans;
        this.clock = clock;
    }

    /** {@code GET /bans}: {@code {"items": [ban, ...]}}. */
    HttpResponse list(HttpRequest request, Caller caller) {
        requireAdmin(caller);
        return HttpResponse.json(200, Map.of("items", bans.list().stream().map(BansApi::json).toList()));
    }

    /** {@code POST /bans} body {@code {kind, value, until | duration, reason}}: 201 with the ban as kept. */
    HttpResponse add(HttpRequest request, Caller caller) {
        requireAdmin(caller);
        JsonNode body;
        try {
            body = MAPPER.readTree(request.body());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("the body must be a JSON object {kind, value, until|duration, reason}");
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object {kind, value, until|duration, reason}");
        }
        Ban.Kind kind = Ban.Kind.parse(text(body, "kind"));
        if (kind == null) {
            throw ApiException.badRequest("kind must be one of clientId, username, address");
        }
        String value = text(body, "value");
        if (value == null || value.isEmpty()) {
            throw ApiException.badRequest("value must be set");
        }
        Instant now = clock.instant();
        Instant until = until(body, now);
        String reason = text(body, "reason");
        try {
            Ban kept = bans.addDurably(new Ban(kind, value, until, reason == null ? "" : reason,
                    "api:" + caller.key().id(), now));
            return HttpResponse.json(201, json(kept));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** {@code DELETE /bans/{kind}/{value}}: 204, or 404 if no such ban is in force. */
    HttpResponse remove(HttpRequest request, Caller caller) {
        requireAdmin(caller);
        Ban.Kind kind = Ban.Kind.parse(request.pathParam("kind"));
        if (kind == null) {
            throw ApiException.badRequest("kind must be one of clientId, username, address");
        }
        if (!bans.remove(kind, request.pathParam("value"))) {
            throw new ApiException(404, "not_found", "no " + kind.wireName() + " ban for '"
                    + request.pathParam("value") + "'");
        }
        return new HttpResponse(204, HttpResponse.JSON, new byte[0], Map.of());
    }

    private static Instant until(JsonNode body, Instant now) {
        String until = text(body, "until");
        String duration = text(body, "duration");
        if (until != null && duration != null) {
            throw ApiException.badRequest("give until or duration, not both");
        }
        if (until != null) {
            try {
                return Instant.parse(until);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("until must be an ISO-8601 instant like 2026-12-31T00:00:00Z");
            }
        }
        if (duration != null) {
            Duration d;
            try {
                d = Durations.parse(duration);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("duration must be like 90s, 15m, 2h, 7d or PT15M");
            }
            if (d.isNegative() || d.isZero()) {
                throw ApiException.badRequest("duration must be positive");
            }
            return now.plus(d);
        }
        return null;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static void requireAdmin(Caller caller) {
        if (caller.key().role() != AccessKey.Role.ADMIN) {
            throw ApiException.forbidden("access key " + caller.key().id() + " is not an admin key; bans need one");
        }
    }

    static Map<String, Object> json(Ban b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", b.kind().wireName());
        m.put("value", b.value());
        m.put("until", b.until() == null ? null : b.until().toString());
        m.put("reason", b.reason());
        m.put("by", b.by());
        m.put("at", b.at().toString());
        return m;
    }
}
