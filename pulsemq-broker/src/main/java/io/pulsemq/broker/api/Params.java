package io.pulsemq.broker.api;

import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.protocol.EventType;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Query parameter parsing; every malformed value is a {@code 400} naming the parameter. */
final class Params {

    private Params() {
    }

    /** A whole number, or {@code fallback} when absent or empty. */
    static long longParam(HttpRequest request, String name, long fallback) {
        Optional<String> raw = request.queryParam(name).filter(v -> !v.isEmpty());
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.get());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'" + name + "' must be a whole number");
        }
    }

    /** A whole number in [{@code min}, {@code max}], or {@code fallback} when absent or empty. */
    static int intParam(HttpRequest request, String name, int fallback, int min, int max) {
        long value = longParam(request, name, fallback);
        if (value < min || value > max) {
            throw ApiException.badRequest("'" + name + "' must be between " + min + " and " + max);
        }
        return (int) value;
    }

    /** {@code true} or {@code false}, or empty when absent or empty. */
    static Optional<Boolean> boolParam(HttpRequest request, String name) {
        Optional<String> raw = request.queryParam(name).filter(v -> !v.isEmpty());
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        return switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw ApiException.badRequest("'" + name + "' must be true or false");
        };
    }

    /** A text parameter, or empty when absent or empty. */
    static Optional<String> text(HttpRequest request, String name) {
        return request.queryParam(name).filter(v -> !v.isEmpty());
    }

    /** A comma list of event type wire names ({@code connect,disconnect,tcpclean}); every type when absent. */
    static Set<EventType> types(HttpRequest request, String name) {
        Optional<String> raw = text(request, name);
        if (raw.isEmpty()) {
            return EnumSet.allOf(EventType.class);
        }
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String part : raw.get().split(",")) {
            String type = part.trim();
            if (type.isEmpty()) {
                continue;
            }
            try {
                types.add(EventType.fromWireName(type));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("'" + name + "' has an unknown event type '" + type
                        + "'; use connect, disconnect, tcpclean");
            }
        }
        if (types.isEmpty()) {
            throw ApiException.badRequest("'" + name + "' names no event type");
        }
        return types;
    }
}
