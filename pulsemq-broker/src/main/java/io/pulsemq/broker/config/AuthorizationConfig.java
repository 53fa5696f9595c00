package io.pulsemq.broker.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * MQTT topic authorization: an ordered rule list, first match wins.
 *
 * @param defaultDecision what applies to an action no rule matches (key {@code default})
 * @param rules           the rules, in order
 */
public record AuthorizationConfig(@JsonProperty("default") Decision defaultDecision, List<AuthorizationRule> rules) {

    public AuthorizationConfig {
        defaultDecision = defaultDecision == null ? Decision.ALLOW : defaultDecision;
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** No rules; everything is allowed. */
    public static AuthorizationConfig allowAll() {
        return new AuthorizationConfig(Decision.ALLOW, List.of());
    }

    /** Allow or deny. */
    public enum Decision {
        ALLOW, DENY
    }
}
