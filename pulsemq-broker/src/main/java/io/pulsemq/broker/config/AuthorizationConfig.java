package io.pulsemq.broker.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * MQTT topic authorization: an ordered rule list, first match wins.
 *
 * @param defaultDecision what applies to an action no rule matches (key {@code default})
 * @param rules           the rules, in order
 * @param deniedPublish   what a denied PUBLISH from an MQTT 3.1.1 client does (v5 clients always get 0x87)
 */
public record AuthorizationConfig(@JsonProperty("default") Decision defaultDecision, List<AuthorizationRule> rules,
                                  DeniedPublish deniedPublish) {

    public AuthorizationConfig {
        defaultDecision = defaultDecision == null ? Decision.ALLOW : defaultDecision;
        rules = rules == null ? List.of() : List.copyOf(rules);
        deniedPublish = deniedPublish == null ? DeniedPublish.DROP : deniedPublish;
    }

    /** Rules with a default; a denied 3.1.1 PUBLISH is dropped. */
    public AuthorizationConfig(Decision defaultDecision, List<AuthorizationRule> rules) {
        this(defaultDecision, rules, DeniedPublish.DROP);
    }

    /** No rules; everything is allowed. */
    public static AuthorizationConfig allowAll() {
        return new AuthorizationConfig(Decision.ALLOW, List.of());
    }

    /** Allow or deny. */
    public enum Decision {
        ALLOW, DENY
    }

    /** What a denied PUBLISH from an MQTT 3.1.1 client (which has no negative PUBACK) does. */
    public enum DeniedPublish {
        /** Not routed, acknowledged as usual, counted in {@code pulsemq.messages.denied}. */
        DROP,
        /** The connection is closed. */
        DISCONNECT
    }
}
