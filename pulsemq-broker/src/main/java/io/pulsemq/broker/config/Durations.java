package io.pulsemq.broker.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration notation of the configuration: a whole number with one unit, {@code 500ms},
 * {@code 30s}, {@code 10m}, {@code 1h}, {@code 7d}, or an ISO-8601 duration such as {@code PT30S} or
 * {@code P7D}. Negative durations are rejected.
 */
public final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException if it is neither notation, or negative
     */
    public static Duration parse(String text) {
        String trimmed = text.trim();
        Matcher m = SIMPLE.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                return ofUnit(Long.parseLong(m.group(1)), m.group(2));
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is too large for a duration");
            }
        }
        Duration parsed;
        try {
            parsed = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use a number with a unit"
                    + " (500ms, 30s, 10m, 1h, 7d) or ISO-8601 (PT30S)");
        }
        if (parsed.isNegative()) {
            throw new IllegalArgumentException("'" + text + "' is negative; durations must be zero or more");
        }
        return parsed;
    }

    private static Duration ofUnit(long amount, String unit) {
        switch (unit) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                return Duration.ofDays(amount);
        }
    }
}
