package io.pulsemq.sdk;

import java.util.List;

/**
 * The counts of every group the access key sees.
 *
 * @param revision every event at or below it is counted
 * @param groups   one entry per group with a known client
 */
public record Groups(long revision, List<GroupCounts> groups) {
    public Groups {
        groups = List.copyOf(groups);
    }
}
