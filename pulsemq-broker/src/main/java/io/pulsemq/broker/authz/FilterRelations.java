package io.pulsemq.broker.authz;

import io.pulsemq.broker.subscription.Topics;

/**
 * How two topic filters relate, for subscription decisions. Pure functions of valid filters (without a
 * {@code $share/} prefix unless both carry it literally), following the matching rules of {@link Topics#matches}:
 * {@code +} is one level, {@code #} any number including none, and a wildcard first level never matches a topic
 * starting with {@code $} [MQTT-4.7.2-1].
 */
final class FilterRelations {

    private FilterRelations() {
    }

    /** Whether every topic {@code requested} matches is also matched by {@code rule}. */
    static boolean covers(String rule, String requested) {
        String[] a = Topics.splitLevels(rule);
        String[] r = Topics.splitLevels(requested);
        if (dollarMismatch(a, r)) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (i == a.length) {
                return i == r.length;
            }
            if (Topics.isMultiLevelWildcard(a[i])) {
                return true;
            }
            if (i == r.length) {
                // 'x/#' matches 'x' too, handled above; anything else in the rule needs a level the request lacks
                return false;
            }
            if (Topics.isMultiLevelWildcard(r[i])) {
                return false;
            }
            if (Topics.isSingleLevelWildcard(a[i])) {
                continue;
            }
            if (Topics.isSingleLevelWildcard(r[i]) || !a[i].equals(r[i])) {
                return false;
            }
        }
    }

    /** Whether some topic is matched by both filters. */
    static boolean intersects(String x, String y) {
        String[] a = Topics.splitLevels(x);
        String[] b = Topics.splitLevels(y);
        if (dollarMismatch(a, b) || dollarMismatch(b, a)) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (i == a.length || i == b.length) {
                if (a.length == b.length) {
                    return true;
                }
                String[] longer = a.length > b.length ? a : b;
                // 'x/#' matches 'x'
                return longer.length == i + 1 && Topics.isMultiLevelWildcard(longer[i]);
            }
            if (Topics.isMultiLevelWildcard(a[i]) || Topics.isMultiLevelWildcard(b[i])) {
                return true;
            }
            if (Topics.isSingleLevelWildcard(a[i]) || Topics.isSingleLevelWildcard(b[i])) {
                continue;
            }
            if (!a[i].equals(b[i])) {
                return false;
            }
        }
    }

    /** A wildcard first level in {@code wild} cannot reach the {@code $} topics a literal first level in {@code other} names. */
    private static boolean dollarMismatch(String[] wild, String[] other) {
        boolean wildcardFirst = Topics.isSingleLevelWildcard(wild[0]) || Topics.isMultiLevelWildcard(wild[0]);
        return wildcardFirst && other[0].startsWith("$");
    }
}
