package io.pulsemq.broker.authz;

import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.config.AuthorizationRule.Action;

import io.pulsemq.broker.subscription.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * The configured MQTT authorization rules, compiled once. Immutable and thread-safe.
 *
 * <p>{@link #permissionsFor} runs once per connection (an MQTT CONNECT, a server SDK login): it keeps the rules that
 * apply to the identity, in order, with the placeholders {@code %c} (client ID), {@code %g} (group ID), {@code %u}
 * (username) and {@code %k} (access key ID) substituted. A rule whose placeholder has no value (no username, no key,
 * no client ID for a backend) does not apply; neither does a rule naming {@code groups} or {@code clientIds} to a
 * backend ({@link Identity#backend}). A value containing {@code +}, {@code #} or {@code /} cannot widen powers: such an allow rule is left out,
 * and such a deny rule denies its action on every topic ({@code #}).
 */
public final class Authorizer {

    /** The placeholders a rule's topics may use. */
    static final String PLACEHOLDERS = "cguk";

    private static final String DENY_EVERYWHERE = "#";
    /** What {@link #substitute} returns when a value contains {@code + # /}; compared by identity. */
    private static final String INJECTED = new String("injected");

    private final List<AuthorizationRule> rules;
    private final boolean defaultAllow;

    public Authorizer(AuthorizationConfig config) {
        this.rules = config.rules();
        this.defaultAllow = config.defaultDecision() == AuthorizationConfig.Decision.ALLOW;
    }

    /** Allows everything: no rules, default allow. */
    public static Authorizer allowAll() {
        return new Authorizer(AuthorizationConfig.allowAll());
    }

    /**
     * The permissions of one connection.
     *
     * @return {@link Permissions#ALLOW_ALL} when no rule applies and the default is allow
     */
    public Permissions permissionsFor(Identity identity) {
        List<Permissions.Entry> entries = new ArrayList<>();
        for (AuthorizationRule rule : rules) {
            if (!appliesTo(rule, identity)) {
                continue;
            }
            boolean allow = rule.allow() != null;
            List<String> topics = new ArrayList<>(rule.topics().size());
            for (String topic : rule.topics()) {
                String substituted = substitute(topic, identity);
                if (substituted == null) {
                    // a missing value: the rule is not about this identity
                    topics = null;
                    break;
                }
                if (substituted == INJECTED) {
                    // an allow rule grants nothing; a deny rule denies its action everywhere (fail closed)
                    topics = allow ? null : List.of(DENY_EVERYWHERE);
                    break;
                }
                topics.add(substituted);
            }
            if (topics != null) {
                entries.add(new Permissions.Entry(allow, allow ? rule.allow() : rule.deny(), List.copyOf(topics)));
            }
        }
        if (entries.isEmpty() && defaultAllow) {
            return Permissions.ALLOW_ALL;
        }
        return new Permissions(entries, defaultAllow);
    }

    /**
     * Whether a topic filter with placeholders is one the rules accept: only known placeholders, and a valid
     * filter once each is replaced by a plain level value.
     */
    public static boolean isValidRuleTopic(String topic) {
        if (topic == null) {
            return false;
        }
        for (int i = topic.indexOf('%'); i >= 0; i = topic.indexOf('%', i + 2)) {
            if (i + 1 >= topic.length() || PLACEHOLDERS.indexOf(topic.charAt(i + 1)) < 0) {
                return false;
            }
        }
        String sample = substitute(topic, new Identity("GID_x@@@x", "x", "x"));
        return sample != null && sample != INJECTED && Topics.isValidFilter(sample, Integer.MAX_VALUE);
    }

    private static boolean appliesTo(AuthorizationRule rule, Identity id) {
        if (rule.anonymous() && !id.anonymous()) {
            return false;
        }
        if (!rule.keys().isEmpty() && (id.accessKeyId() == null || !rule.keys().contains(id.accessKeyId()))) {
            return false;
        }
        if (id.clientId() == null) {
            // a backend: rules that select MQTT clients by client ID or group are not about it
            return rule.groups().isEmpty() && rule.clientIds().isEmpty();
        }
        if (!rule.groups().isEmpty() && !anyMatches(rule.groups(), id.groupId())) {
            return false;
        }
        return rule.clientIds().isEmpty() || anyMatches(rule.clientIds(), id.clientId());
    }

    /** Patterns: {@code *} for anything, {@code prefix*} for a prefix, otherwise the exact value. */
    static boolean anyMatches(List<String> patterns, String value) {
        for (String pattern : patterns) {
            if (pattern.equals("*") || pattern.equals(value)
                    || (pattern.endsWith("*") && value.startsWith(pattern.substring(0, pattern.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The topic with placeholders replaced; null when a value is missing, {@link #INJECTED} when one could change
     * the filter's shape.
     */
    private static String substitute(String topic, Identity id) {
        if (topic.indexOf('%') < 0) {
            return topic;
        }
        StringBuilder out = new StringBuilder(topic.length() + 32);
        for (int i = 0; i < topic.length(); i++) {
            char ch = topic.charAt(i);
            if (ch != '%' || i + 1 >= topic.length()) {
                out.append(ch);
                continue;
            }
            String value = switch (topic.charAt(++i)) {
                case 'c' -> id.clientId();
                case 'g' -> id.groupId();
                case 'u' -> id.username();
                case 'k' -> id.accessKeyId();
                default -> null;
            };
            if (value == null || value.isEmpty()) {
                return null;
            }
            if (!isPlainLevel(value)) {
                return INJECTED;
            }
            out.append(value);
        }
        return out.toString();
    }

    private static boolean isPlainLevel(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '+' || ch == '#' || ch == '/' || ch == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /** Whether an action named by a rule covers {@code wanted}. */
    static boolean covers(Action ruleAction, Action wanted) {
        return ruleAction == Action.ALL || ruleAction == wanted;
    }
}
