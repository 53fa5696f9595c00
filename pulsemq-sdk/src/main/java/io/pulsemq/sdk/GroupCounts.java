package io.pulsemq.sdk;

/**
 * Online and known clients of one group.
 *
 * @param groupId the group ({@code ""} for client IDs without {@code @@@})
 * @param online  how many are online
 * @param known   how many the broker knows (online or not)
 */
public record GroupCounts(String groupId, long online, long known) {
}
