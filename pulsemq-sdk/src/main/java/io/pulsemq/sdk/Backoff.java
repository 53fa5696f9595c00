package io.pulsemq.sdk;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter, as the HiveMQ MQTT Client's reconnect strategy: the nominal delay before
 * attempt {@code n} (1-based, the first retry is attempt 1) is {@code min(max, initial * multiplier^(n-1))}, and the
 * actual delay is drawn uniformly from {@code [nominal * (1 - jitter), nominal]}. Jitter spreads the reconnects of
 * many backends after a broker restart, so they do not arrive in one wave. Immutable.
 *
 * @param initial    delay before the first retry
 * @param max        cap of the nominal delay
 * @param multiplier growth per attempt, at least 1
 * @param jitter     fraction of the nominal delay that is random, in [0, 1]
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** 100 ms doubling up to 10 s, half of it random. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.5);

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 <= initial <= max");
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("multiplier must be at least 1");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be in [0, 1]");
        }
    }

    /** The nominal (un-jittered) delay before retry {@code attempt} (1-based). */
    public Duration nominal(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based");
        }
        double millis = initial.toMillis() * Math.pow(multiplier, attempt - 1);
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }

    /** The jittered delay before retry {@code attempt}, with a thread-local random source. */
    public Duration delay(int attempt) {
        return delay(attempt, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The jittered delay before retry {@code attempt}; {@code random} yields values in [0, 1). */
    public Duration delay(int attempt, DoubleSupplier random) {
        long nominal = nominal(attempt).toMillis();
        double factor = 1.0 - jitter * random.getAsDouble();
        return Duration.ofMillis(Math.round(nominal * factor));
    }
}
