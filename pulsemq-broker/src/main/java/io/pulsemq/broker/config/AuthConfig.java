package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * Device authentication policy.
 *
 * @param anonymous     who may connect without credentials
 * @param loginThrottle how failed logins are slowed down and, when they go on, banned
 * @param flapping      automatic bans of client IDs that reconnect too often
 */
public record AuthConfig(AnonymousPolicy anonymous, LoginThrottle loginThrottle, Flapping flapping) {

    public AuthConfig {
        loginThrottle = loginThrottle == null ? LoginThrottle.defaults() : loginThrottle;
        flapping = flapping == null ? Flapping.defaults() : flapping;
    }

    /** The given anonymous policy with the default throttle and no flapping detection. */
    public AuthConfig(AnonymousPolicy anonymous) {
        this(anonymous, LoginThrottle.defaults(), Flapping.defaults());
    }

    /** A copy with another login throttle. */
    public AuthConfig withLoginThrottle(LoginThrottle t) {
        return new AuthConfig(anonymous, t, flapping);
    }

    /** A copy with other flapping settings. */
    public AuthConfig withFlapping(Flapping f) {
        return new AuthConfig(anonymous, loginThrottle, f);
    }

    /** Who may connect without a username. */
    public enum AnonymousPolicy {
        /** Anyone. */
        TRUE,
        /** No one. */
        FALSE,
        /** Only clients connecting from a loopback address (the default). */
        LOOPBACK
    }

    /**
     * Failed-login throttling, counted per source address and per client ID within {@code window}.
     *
     * @param freeAttempts failures answered without delay
     * @param baseDelay    delay of the first failure beyond the free ones; each further one doubles it
     * @param maxDelay     the delay never grows beyond this
     * @param window       failures older than this are forgotten
     * @param banAfter     this many failures from one address within the window ban it; 0: never
     * @param banDuration  how long such an automatic ban lasts
     */
    public record LoginThrottle(int freeAttempts, Duration baseDelay, Duration maxDelay, Duration window, int banAfter,
                                Duration banDuration) {

        /** 3 free, then 1 s doubling up to 30 s, over 10 minutes; 20 failures ban the address for 15 minutes. */
        public static LoginThrottle defaults() {
            return new LoginThrottle(3, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(10), 20,
                    Duration.ofMinutes(15));
        }
    }

    /**
     * Flapping detection: a client ID that connects more than {@code maxConnects} times within {@code window}
     * is banned for {@code banDuration}.
     *
     * @param enabled     whether it is on (off by default)
     * @param maxConnects connects allowed within the window
     * @param window      the sliding window
     * @param banDuration how long the ban lasts
     */
    public record Flapping(boolean enabled, int maxConnects, Duration window, Duration banDuration) {

        /** Off; when switched on: 15 connects per minute, a 5-minute ban. */
        public static Flapping defaults() {
            return new Flapping(false, 15, Duration.ofMinutes(1), Duration.ofMinutes(5));
        }
    }
}
