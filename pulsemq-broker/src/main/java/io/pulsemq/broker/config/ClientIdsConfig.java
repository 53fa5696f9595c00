package io.pulsemq.broker.config;

/**
 * Client identifier policy.
 *
 * @param strict when true, only ApsaraMQ-style IDs ({@code GID_x@@@device}, at most 64 characters of
 *               {@code [0-9A-Za-z_-]} plus the separator) are accepted
 */
public record ClientIdsConfig(boolean strict) {
}
