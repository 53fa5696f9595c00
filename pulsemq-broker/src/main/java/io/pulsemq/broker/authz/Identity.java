package io.pulsemq.broker.authz;

import io.pulsemq.protocol.ClientIds;

/**
 * Who an MQTT connection is, as far as authorization rules care.
 *
 * @param clientId    the client ID (after any assignment)
 * @param username    the CONNECT username, or null
 * @param accessKeyId the access key that authenticated the connection, or null for an anonymous one
 */
public record Identity(String clientId, String username, String accessKeyId) {

    /** The group ID of the client ID ({@link ClientIds#groupOf}), empty when it has none. */
    public String groupId() {
        return ClientIds.groupOf(clientId);
    }

    /** Whether the connection presented no access key. */
    public boolean anonymous() {
        return accessKeyId == null;
    }
}
