package io.pulsemq.broker.authz;

import io.pulsemq.protocol.ClientIds;

/**
 * Who a connection is, as far as authorization rules care: an MQTT client, or a backend on the server SDK endpoint.
 *
 * @param clientId    the client ID (after any assignment); null for a backend, which has none
 * @param username    the CONNECT username, or null
 * @param accessKeyId the access key that authenticated the connection, or null for an anonymous one
 */
public record Identity(String clientId, String username, String accessKeyId) {

    /**
     * A backend connection of the server SDK endpoint, authenticated by {@code accessKeyId}. It has no client ID and no
     * username: rules naming {@code groups} or {@code clientIds}, and topics using {@code %c}, {@code %g} or
     * {@code %u}, do not apply to it; {@code keys} and {@code %k} do.
     */
    public static Identity backend(String accessKeyId) {
        return new Identity(null, null, accessKeyId);
    }

    /** The group ID of the client ID ({@link ClientIds#groupOf}), empty when it has none; null for a backend. */
    public String groupId() {
        return clientId == null ? null : ClientIds.groupOf(clientId);
    }

    /** Whether the connection presented no access key. */
    public boolean anonymous() {
        return accessKeyId == null;
    }
}
