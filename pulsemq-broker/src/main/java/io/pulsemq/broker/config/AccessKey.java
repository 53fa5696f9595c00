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
 */
public record AccessKey(String id, String secret, Role role, List<String> groups) {

    /** Shortest secret accepted at start: shorter ones are guessable online (and were the MQTT password). */
    public static final int MIN_SECRET_LENGTH = 16;

    public AccessKey {
        groups = groups == null ? List.of() : List.copyOf(groups);
        role = role == null ? Role.DEVICE : role;
    }

    /** What a key may do. */
    public enum Role {
        DEVICE, SERVER, ADMIN
    }

    /** Whether this key may act for the given group ID. */
    public boolean allowsGroup(String groupId) {
        for (String pattern : groups) {
            if (pattern.equals("*") || pattern.equals(groupId)
                    || (pattern.endsWith("*") && groupId.startsWith(pattern.substring(0, pattern.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AccessKey[id=" + id + ", role=" + role + ", groups=" + groups + ", secret=***]";
    }
}
