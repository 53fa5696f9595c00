package io.pulsemq.broker.authz;

import io.pulsemq.broker.config.AuthorizationRule.Action;
import io.pulsemq.broker.subscription.Topics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one connection may do: the rules that apply to it, substituted, in order, first match wins, and the
 * default for what none matches.
 *
 * <p>Not thread-safe: used only on the connection's event loop. Publish decisions are cached per topic name
 * (at most {@value #CACHE_SIZE} topics; a full cache starts over), so a connection publishing to the same topics
 * does not walk the rules again. {@link #ALLOW_ALL} holds no state and is shared.
 */
public final class Permissions {

    /** Everything allowed, without looking anything up. */
    public static final Permissions ALLOW_ALL = new Permissions(List.of(), true);

    static final int CACHE_SIZE = 64;

    private static final Byte DENIED = 0;
    private static final Byte PUBLISH_ONLY = 1;
    private static final Byte PUBLISH_AND_RETAIN = 3;
    private static final Byte RETAIN_ONLY = 2;

    private final List<Entry> entries;
    private final boolean defaultAllow;
    private final boolean allowAll;
    private final Map<String, Byte> publishCache;

    /**
     * One substituted rule.
     *
     * @param allow  true for an allow rule
     * @param action the action it decides
     * @param topics its topic filters, placeholders replaced
     */
    record Entry(boolean allow, Action action, List<String> topics) {
    }

    Permissions(List<Entry> entries, boolean defaultAllow) {
        this.entries = List.copyOf(entries);
        this.defaultAllow = defaultAllow;
        this.allowAll = entries.isEmpty() && defaultAllow;
        this.publishCache = allowAll ? null : new HashMap<>();
    }

    /** Whether every action is allowed on every topic. */
    public boolean allowsEverything() {
        return allowAll;
    }

    /**
     * Whether the connection may publish to {@code topic}; a retained PUBLISH needs the {@code retain} action too.
     *
     * @param topic  a valid topic name
     * @param retain whether the PUBLISH (or will) has RETAIN set
     */
    public boolean mayPublish(String topic, boolean retain) {
        if (allowAll) {
            return true;
        }
        Byte cached = publishCache.get(topic);
        if (cached == null) {
            boolean publish = decidePublish(topic, Action.PUBLISH);
            boolean retained = decidePublish(topic, Action.RETAIN);
            cached = publish ? (retained ? PUBLISH_AND_RETAIN : PUBLISH_ONLY) : (retained ? RETAIN_ONLY : DENIED);
            if (publishCache.size() >= CACHE_SIZE) {
                publishCache.clear();
            }
            publishCache.put(topic, cached);
        }
        int bits = cached;
        return (bits & 1) != 0 && (!retain || (bits & 2) != 0);
    }

    /**
     * Whether the connection may subscribe to {@code fullFilter} as the client sent it. An allow rule must cover
     * the whole requested filter; a deny rule applies when the requested filter could match any topic the deny
     * filter matches. A shared subscription is decided on the full string and on its inner filter: denied if either
     * is denied by a rule, allowed if either is allowed by one, otherwise the default.
     *
     * @param fullFilter a valid filter, possibly {@code $share/<name>/<filter>}
     * @param inner      the filter without the {@code $share/<name>/} prefix (equal to {@code fullFilter} when not shared)
     */
    public boolean maySubscribe(String fullFilter, String inner) {
        if (allowAll) {
            return true;
        }
        Boolean whole = decideSubscribe(fullFilter);
        if (inner.equals(fullFilter)) {
            return whole == null ? defaultAllow : whole;
        }
        Boolean part = decideSubscribe(inner);
        if (Boolean.FALSE.equals(whole) || Boolean.FALSE.equals(part)) {
            return false;
        }
        if (Boolean.TRUE.equals(whole) || Boolean.TRUE.equals(part)) {
            return true;
        }
        return defaultAllow;
    }

    private boolean decidePublish(String topic, Action action) {
        for (Entry e : entries) {
            if (!Authorizer.covers(e.action(), action)) {
                continue;
            }
            for (String filter : e.topics()) {
                if (Topics.matches(filter, topic)) {
                    return e.allow();
                }
            }
        }
        return defaultAllow;
    }

    /** The first matching rule's decision, or null when none matches. */
    private Boolean decideSubscribe(String requested) {
        for (Entry e : entries) {
            if (!Authorizer.covers(e.action(), Action.SUBSCRIBE)) {
                continue;
            }
            for (String filter : e.topics()) {
                if (e.allow() ? FilterRelations.covers(filter, requested) : FilterRelations.intersects(filter, requested)) {
                    return e.allow();
                }
            }
        }
        return null;
    }
}
