package io.pulsemq.broker.config;

import java.util.List;

/**
 * An access key: the credential of devices (signature mode), backends and operators.
 *
 * @param id     the AccessKeyId
 * @param secret the AccessKeySecret; never logged ({@link #toString()} hides it)
 * @param role   what the key may do
 * @param groups group ID patterns this key is allowed for: {@code *} for all, {@code GID_car*} for a prefix;
 *               none configured means none (a key must name its groups, it never gets all of them by omission)
 * @param clientIds MQTT client ID patterns the key may connect as ({@code *} suffix for a prefix). Empty means none
 *                  for a device key (it must name its client IDs, {@code GID_car@@@*} for the whole group, so that it
 *                  never gets a group by accident and cannot take over a sibling's session and its queued messages)
 *                  and any client ID of its groups for server and admin keys
 */
public record AccessKey(String id, String secret, Role role, List<String> groups, List<String> clientIds) {

    /** Shortest secret accepted at start: shorter ones are guessable online (and were the MQTT password). */
    public static final int MIN_SECRET_LENGTH = 16;

    public AccessKey {
        groups = groups == null ? List.of() : List.copyOf(groups);
        clientIds = clientIds == null ? List.of() : List.copyOf(clientIds);
        role = role == null ? Role.DEVICE : role;
    }

    /** A key for any client ID of its groups. */
    public AccessKey(String id, String secret, Role role, List<String> groups) {
        this(id, secret, role, groups, List.of());
    }

    /** What a key may do. */
    public enum Role {
        DEVICE, SERVER, ADMIN
    }

    /** Whether this key may act for the given group ID: connect as one of its clients, or (server keys) read it. */
    public boolean allowsGroup(String groupId) {
        return matchesAny(groups, groupId);
    }

    /**
     * Whether this key, used by a backend (HTTP API, server SDK endpoint), may see and act on the clients of
     * {@code groupId}: their status, their messages, sending to them. Admin keys see every group; server keys the
     * groups their {@link #groups} patterns allow. The one rule both surfaces apply.
     */
    public boolean seesGroup(String groupId) {
        return role == Role.ADMIN || allowsGroup(groupId);
    }

    /**
     * Whether this key may connect as the given MQTT client ID: one of {@link #clientIds}; with none configured, no
     * client ID for a device key and any for a server or admin key (its groups still apply).
     */
    public boolean allowsClientId(String clientId) {
        if (clientIds.isEmpty()) {
            return role != Role.DEVICE;
        }
        return matchesAny(clientIds, clientId);
    }

    private static boolean matchesAny(List<String> patterns, String value) {
        for (String pattern : patterns) {
            if (pattern.equals("*") || pattern.equals(value)
                    || (pattern.endsWith("*") && value.startsWith(pattern.substring(0, pattern.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AccessKey[id=" + id + ", role=" + role + ", groups=" + groups + ", clientIds=" + clientIds
                + ", secret=***]";
    }
}
