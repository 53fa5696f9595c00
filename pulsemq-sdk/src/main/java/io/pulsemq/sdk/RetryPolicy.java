package io.pulsemq.sdk;

import java.util.Objects;

/**
 * How {@link StatusClient} retries idempotent calls (every query; never the kick, which acts): on a connection
 * failure, a timeout, or an answer of 429, 502, 503 or 504, up to {@code maxAttempts} attempts in all, waiting
 * {@link Backoff#delay} between them. Other 4xx/5xx answers are not retried: asking again would not change them.
 *
 * @param maxAttempts attempts in all, at least 1 (1: no retry)
 * @param backoff     the waits between attempts
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {

    /** 3 attempts with {@link Backoff#DEFAULT}. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Backoff.DEFAULT);
    /** One attempt only. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Backoff.DEFAULT);

    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** Whether an answer with this HTTP status is worth another attempt. */
    public static boolean retryableStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }
}
