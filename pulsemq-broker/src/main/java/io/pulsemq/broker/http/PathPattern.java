package io.pulsemq.broker.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route path: {@code /}-separated segments, each a literal or a {@code {name}} parameter that matches
 * exactly one non-empty segment. Immutable.
 */
final class PathPattern implements Comparable<PathPattern> {

    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");

    private final String text;
    private final List<String> segments;
    private final List<Boolean> isParam;

    private PathPattern(String text, List<String> segments, List<Boolean> isParam) {
        this.text = text;
        this.segments = segments;
        this.isParam = isParam;
    }

    /**
     * Parses a pattern such as {@code /api/v1/clients/{clientId}}.
     *
     * @throws IllegalArgumentException if it does not start with {@code /}, has an empty segment, a malformed
     *                                  or repeated parameter
     */
    static PathPattern parse(String text) {
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("route pattern must start with '/': " + text);
        }
        List<String> segments = new ArrayList<>();
        List<Boolean> params = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String segment : split(text)) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("route pattern has an empty segment: " + text);
            }
            var m = PARAM.matcher(segment);
            boolean param = m.matches();
            if (!param && (segment.contains("{") || segment.contains("}"))) {
                throw new IllegalArgumentException("route pattern has a malformed parameter: " + text);
            }
            String value = param ? m.group(1) : segment;
            if (param && !names.add(value)) {
                throw new IllegalArgumentException("route pattern repeats parameter {" + value + "}: " + text);
            }
            segments.add(value);
            params.add(param);
        }
        return new PathPattern(text, List.copyOf(segments), List.copyOf(params));
    }

    /** The raw segments of a request path ({@code "/"} has none). Segments are not decoded. */
    static List<String> split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.isEmpty()) {
            return List.of();
        }
        return List.of(trimmed.split("/", -1));
    }

    /** The parameter values if the decoded {@code pathSegments} match, in pattern order. */
    Optional<Map<String, String>> match(List<String> pathSegments) {
        if (pathSegments.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String actual = pathSegments.get(i);
            if (isParam.get(i)) {
                if (actual.isEmpty()) {
                    return Optional.empty();
                }
                values.put(segments.get(i), actual);
            } else if (!segments.get(i).equals(actual)) {
                return Optional.empty();
            }
        }
        return Optional.of(values);
    }

    /** More specific first: at the first segment where they differ in kind, the literal wins. */
    @Override
    public int compareTo(PathPattern other) {
        int n = Math.min(segments.size(), other.segments.size());
        for (int i = 0; i < n; i++) {
            int c = Boolean.compare(isParam.get(i), other.isParam.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(segments.size(), other.segments.size());
    }

    /** Whether both match exactly the same paths. */
    boolean sameShape(PathPattern other) {
        if (segments.size() != other.segments.size()) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            if (!isParam.get(i).equals(other.isParam.get(i))
                    || (!isParam.get(i) && !segments.get(i).equals(other.segments.get(i)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
