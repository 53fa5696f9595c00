package io.pulsemq.broker.statuslog;

import io.pulsemq.protocol.EventType;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which events a reader wants.
 *
 * @param groupId group ID to keep, or null for every group
 * @param types   event types to keep
 */
public record EventFilter(String groupId, Set<EventType> types) {

    /** Every event. */
    public static final EventFilter ALL = new EventFilter(null, EnumSet.allOf(EventType.class));

    public EventFilter {
        types = types == null || types.isEmpty() ? EnumSet.allOf(EventType.class) : EnumSet.copyOf(types);
    }

    /** Whether {@code e} passes. */
    public boolean test(StoredEvent e) {
        return (groupId == null || groupId.equals(e.groupId())) && types.contains(e.type());
    }
}
