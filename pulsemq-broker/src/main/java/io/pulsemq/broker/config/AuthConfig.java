package io.pulsemq.broker.config;

/**
 * Device authentication policy.
 *
 * @param anonymous who may connect without credentials
 */
public record AuthConfig(AnonymousPolicy anonymous) {

    /** Who may connect without a username. */
    public enum AnonymousPolicy {
        /** Anyone. */
        TRUE,
        /** No one. */
        FALSE,
        /** Only clients connecting from a loopback address (the default). */
        LOOPBACK
    }
}
