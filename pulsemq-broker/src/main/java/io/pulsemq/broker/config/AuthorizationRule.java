package io.pulsemq.broker.config;

import java.util.List;

/**
 * One authorization rule: exactly one of {@code allow} and {@code deny} names the action it decides.
 *
 * @param allow     the action this rule allows, or null
 * @param deny      the action this rule denies, or null
 * @param topics    topic filters, with {@code %c} (client ID), {@code %g} (group ID), {@code %u} (username) and
 *                  {@code %k} (access key ID) substituted per connection
 * @param keys      access key IDs the rule applies to (empty: any)
 * @param groups    group ID patterns the rule applies to (empty: any)
 * @param clientIds client ID patterns the rule applies to (empty: any)
 * @param anonymous true: the rule applies only to connections without an access key (absent: false)
 */
public record AuthorizationRule(Action allow, Action deny, List<String> topics, List<String> keys, List<String> groups,
                                List<String> clientIds, Boolean anonymous) {

    public AuthorizationRule {
        topics = topics == null ? List.of() : List.copyOf(topics);
        keys = keys == null ? List.of() : List.copyOf(keys);
        groups = groups == null ? List.of() : List.copyOf(groups);
        clientIds = clientIds == null ? List.of() : List.copyOf(clientIds);
        anonymous = anonymous != null && anonymous;
    }

    /** What a rule decides. */
    public enum Action {
        PUBLISH, SUBSCRIBE, RETAIN, ALL
    }
}
