package io.pulsemq.broker.subscription;

/**
 * MQTT topic names and topic filters: validation, shared-subscription parsing and matching.
 *
 * <p>Everything here is a pure function of its arguments: no allocation on the validation and matching
 * paths, no regular expressions, safe from any thread. Strings are Java strings as decoded from the wire,
 * so "UTF-8 length" means the length of their UTF-8 encoding.
 */
public final class Topics {

    /** The level separator. */
    public static final char SEPARATOR = '/';

    /** The single-level wildcard. */
    public static final char SINGLE_LEVEL_WILDCARD = '+';

    /** The multi-level wildcard. */
    public static final char MULTI_LEVEL_WILDCARD = '#';

    /** The prefix of a shared subscription's topic filter, {@code $share/<ShareName>/<filter>}. */
    public static final String SHARE_PREFIX = "$share/";

    /** Longest UTF-8 encoded string MQTT can carry (MQTT 5.0 section 1.5.4). */
    public static final int MAX_UTF8_LENGTH = 65_535;

    private static final char NUL = '\u0000';

    private Topics() {
    }

    /**
     * A topic filter split into its optional share name and the filter proper.
     *
     * @param shareName the ShareName of a {@code $share/<ShareName>/<filter>} filter, or null for a plain filter
     * @param filter    the topic filter without the {@code $share/<ShareName>/} prefix
     */
    public record SharedFilter(String shareName, String filter) {

        /** Whether this is a shared subscription's filter. */
        public boolean shared() {
            return shareName != null;
        }
    }

    /**
     * Whether {@code topic} is a valid topic name for a PUBLISH (or a Will, or a retained message).
     *
     * @param topic     the topic name
     * @param maxLevels the most levels accepted, at least 1 ({@code a/b} has two levels, {@code a/} too)
     * @return true if it is non-empty, holds no wildcard, no U+0000 and no unpaired surrogate, has at most
     *         {@code maxLevels} levels and encodes to at most 65,535 UTF-8 bytes
     */
    public static boolean isValidTopicName(String topic, int maxLevels) {
        return check(topic, maxLevels, MAX_UTF8_LENGTH, false) == Check.VALID;
    }

    /**
     * Whether {@code filter} is a valid topic filter, without any {@code $share/} prefix (see
     * {@link #parseShared(String)}).
     *
     * @param filter    the topic filter
     * @param maxLevels the most levels accepted, at least 1; a trailing {@code #} counts as a level
     * @return true if it is non-empty, uses {@code #} only as the whole last level and {@code +} only as
     *         whole levels, holds no U+0000 and no unpaired surrogate, has at most {@code maxLevels} levels
     *         and encodes to at most 65,535 UTF-8 bytes
     */
    public static boolean isValidFilter(String filter, int maxLevels) {
        return check(filter, maxLevels, MAX_UTF8_LENGTH, true) == Check.VALID;
    }

    /** What {@link #checkTopicName} and {@link #checkFilter} found, in this order of precedence. */
    public enum Check {
        /** Well-formed and within both limits. */
        VALID,
        /** Malformed: empty, a misplaced wildcard, U+0000, an unpaired surrogate, or over 65,535 UTF-8 bytes. */
        INVALID,
        /** Well-formed, but more levels than the limit. */
        TOO_DEEP,
        /** Well-formed, but more UTF-8 bytes than the limit. */
        TOO_LONG
    }

    /**
     * Checks a topic name in one scan: whether it is well-formed (see {@link #isValidTopicName}) and within
     * {@code maxLevels} levels and {@code maxLength} UTF-8 bytes.
     */
    public static Check checkTopicName(String topic, int maxLevels, int maxLength) {
        return check(topic, maxLevels, maxLength, false);
    }

    /**
     * Checks a topic filter (without {@code $share/} prefix) in one scan: whether it is well-formed (see
     * {@link #isValidFilter}) and within {@code maxLevels} levels and {@code maxLength} UTF-8 bytes.
     */
    public static Check checkFilter(String filter, int maxLevels, int maxLength) {
        return check(filter, maxLevels, maxLength, true);
    }

    /** The one scan behind the checks: topic names and filters differ only in wildcards. */
    private static Check check(String s, int maxLevels, int maxLength, boolean filter) {
        requirePositive(maxLevels);
        // [MQTT-4.7.3-1] at least one character long
        if (s == null || s.isEmpty()) {
            return Check.INVALID;
        }
        int levels = 1;
        int utf8Length = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            switch (c) {
                case MULTI_LEVEL_WILDCARD:
                    // [MQTT-4.7.0-1] no wildcard in a topic name; [MQTT-4.7.1-1] '#' alone, and last, in a filter
                    if (!filter || (i > 0 && s.charAt(i - 1) != SEPARATOR) || i != length - 1) {
                        return Check.INVALID;
                    }
                    utf8Length++;
                    break;
                case SINGLE_LEVEL_WILDCARD:
                    // [MQTT-4.7.0-1] no wildcard in a topic name; [MQTT-4.7.1-2] '+' occupies a whole level
                    if (!filter || (i > 0 && s.charAt(i - 1) != SEPARATOR)
                            || (i < length - 1 && s.charAt(i + 1) != SEPARATOR)) {
                        return Check.INVALID;
                    }
                    utf8Length++;
                    break;
                case SEPARATOR:
                    levels++;
                    utf8Length++;
                    break;
                case NUL:
                    // [MQTT-4.7.3-2] no null character
                    return Check.INVALID;
                default:
                    int width = utf8Width(s, i, c);
                    if (width < 0) {
                        return Check.INVALID;
                    }
                    if (width == 4) {
                        i++;
                    }
                    utf8Length += width;
            }
        }
        // [MQTT-4.7.3-3] topic names and filters are UTF-8 encoded strings, at most 65,535 bytes
        if (utf8Length > MAX_UTF8_LENGTH) {
            return Check.INVALID;
        }
        if (levels > maxLevels) {
            return Check.TOO_DEEP;
        }
        return utf8Length > maxLength ? Check.TOO_LONG : Check.VALID;
    }

    /**
     * Splits a topic filter as the client sent it into share name and filter.
     *
     * <p>A filter that does not start with {@code $share/} is a plain filter (so {@code $share} alone is
     * one). Both parts are checked, the filter proper without a level limit: callers apply
     * {@link #isValidFilter(String, int)} with their limit to {@link SharedFilter#filter()}.
     *
     * @param fullFilter the filter from SUBSCRIBE or UNSUBSCRIBE
     * @return the parts, with a null share name for a plain filter; null if the filter is invalid, including
     *         a malformed shared form such as {@code $share/name}, {@code $share//x} or {@code $share/a+b/x}
     */
    public static SharedFilter parseShared(String fullFilter) {
        if (fullFilter == null) {
            return null;
        }
        if (!fullFilter.startsWith(SHARE_PREFIX)) {
            return isValidFilter(fullFilter, Integer.MAX_VALUE) ? new SharedFilter(null, fullFilter) : null;
        }
        int nameStart = SHARE_PREFIX.length();
        int nameEnd = fullFilter.indexOf(SEPARATOR, nameStart);
        // [MQTT-4.8.2-2] the ShareName must be followed by '/' and a topic filter
        if (nameEnd < 0 || nameEnd == fullFilter.length() - 1) {
            return null;
        }
        String shareName = fullFilter.substring(nameStart, nameEnd);
        String filter = fullFilter.substring(nameEnd + 1);
        if (!isValidShareName(shareName) || !isValidFilter(filter, Integer.MAX_VALUE)) {
            return null;
        }
        return new SharedFilter(shareName, filter);
    }

    /**
     * Whether {@code shareName} is a valid ShareName: at least one character, none of {@code / + #}
     * [MQTT-4.8.2-1] [MQTT-4.8.2-2], and (as any MQTT string) no U+0000 and no unpaired surrogate.
     */
    public static boolean isValidShareName(String shareName) {
        if (shareName == null || shareName.isEmpty()) {
            return false;
        }
        int length = shareName.length();
        for (int i = 0; i < length; i++) {
            char c = shareName.charAt(i);
            switch (c) {
                case SEPARATOR, SINGLE_LEVEL_WILDCARD, MULTI_LEVEL_WILDCARD, NUL:
                    return false;
                default:
                    int width = utf8Width(shareName, i, c);
                    if (width < 0) {
                        return false;
                    }
                    if (width == 4) {
                        i++;
                    }
            }
        }
        return true;
    }

    /**
     * Whether {@code topic} matches {@code filter}.
     *
     * <p>{@code +} matches exactly one level, which may be empty; {@code #} matches any number of levels,
     * including none: {@code a/#} matches {@code a} (section 4.7.1.2). A filter whose first level is a wildcard
     * never matches a topic starting with {@code $} [MQTT-4.7.2-1]. Comparison is exact, case-sensitive and
     * without any normalization [MQTT-4.7.3-4].
     *
     * @param filter a valid topic filter without a {@code $share/} prefix (see {@link #isValidFilter})
     * @param topic  a valid topic name (see {@link #isValidTopicName})
     * @return whether a subscription to {@code filter} receives messages published to {@code topic};
     *         false if either is empty; unspecified for other invalid input
     */
    public static boolean matches(String filter, String topic) {
        int filterLength = filter.length();
        int topicLength = topic.length();
        if (filterLength == 0 || topicLength == 0) {
            return false;
        }
        char first = filter.charAt(0);
        // [MQTT-4.7.2-1] '+' or '#' as the first level never matches a topic starting with '$'
        if (topic.charAt(0) == '$' && (first == SINGLE_LEVEL_WILDCARD || first == MULTI_LEVEL_WILDCARD)) {
            return false;
        }
        int f = 0;
        int t = 0;
        while (true) {
            // f and t are at the start of a level; t == topicLength + 1 once the topic's levels are used up
            int filterLevelEnd = levelEnd(filter, f);
            int filterLevelLength = filterLevelEnd - f;
            if (filterLevelLength == 1 && filter.charAt(f) == MULTI_LEVEL_WILDCARD) {
                // '#' covers the remaining levels, and the parent level when there are none
                return true;
            }
            if (t > topicLength) {
                return false;
            }
            int topicLevelEnd = levelEnd(topic, t);
            boolean singleLevelWildcard = filterLevelLength == 1 && filter.charAt(f) == SINGLE_LEVEL_WILDCARD;
            if (!singleLevelWildcard
                    && (filterLevelLength != topicLevelEnd - t
                    || !filter.regionMatches(f, topic, t, filterLevelLength))) {
                return false;
            }
            boolean lastFilterLevel = filterLevelEnd == filterLength;
            if (lastFilterLevel) {
                return topicLevelEnd == topicLength;
            }
            f = filterLevelEnd + 1;
            t = topicLevelEnd + 1;
        }
    }

    /**
     * Splits a topic name or filter into its levels, keeping empty ones: {@code /a/} gives
     * {@code ["", "a", ""]}. For the index structures, which look levels up by value.
     *
     * @param topicOrFilter a non-empty topic name or filter
     * @return a new array the caller owns, at least one element long
     */
    public static String[] splitLevels(String topicOrFilter) {
        int length = topicOrFilter.length();
        int count = 1;
        for (int i = 0; i < length; i++) {
            if (topicOrFilter.charAt(i) == SEPARATOR) {
                count++;
            }
        }
        String[] levels = new String[count];
        if (count == 1) {
            levels[0] = topicOrFilter;
            return levels;
        }
        int start = 0;
        for (int n = 0; n < count; n++) {
            int end = levelEnd(topicOrFilter, start);
            levels[n] = topicOrFilter.substring(start, end);
            start = end + 1;
        }
        return levels;
    }

    /** Whether a level (as {@link #splitLevels} returns it) is the single-level wildcard {@code +}. */
    public static boolean isSingleLevelWildcard(String level) {
        return level.length() == 1 && level.charAt(0) == SINGLE_LEVEL_WILDCARD;
    }

    /** Whether a level (as {@link #splitLevels} returns it) is the multi-level wildcard {@code #}. */
    public static boolean isMultiLevelWildcard(String level) {
        return level.length() == 1 && level.charAt(0) == MULTI_LEVEL_WILDCARD;
    }

    private static int levelEnd(String s, int from) {
        int end = s.indexOf(SEPARATOR, from);
        return end < 0 ? s.length() : end;
    }

    /**
     * UTF-8 width of the character at {@code i}: 4 for a surrogate pair (which occupies {@code i} and
     * {@code i + 1}), -1 for an unpaired surrogate, which cannot be encoded [MQTT-1.5.4-1].
     */
    private static int utf8Width(String s, int i, char c) {
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)) ? 4 : -1;
        }
        return Character.isLowSurrogate(c) ? -1 : 3;
    }

    private static void requirePositive(int maxLevels) {
        if (maxLevels < 1) {
            throw new IllegalArgumentException("maxLevels must be at least 1: " + maxLevels);
        }
    }
}
