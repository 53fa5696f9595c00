package io.pulsemq.broker.auth;

import java.net.InetSocketAddress;

/**
 * What a device presents in CONNECT, plus where it connects from.
 *
 * @param clientId the client identifier (after any assignment)
 * @param username the username, or null
 * @param password the password bytes, or null; never logged
 * @param remote   the peer address
 */
public record ConnectCredentials(String clientId, String username, byte[] password, InetSocketAddress remote) {

    @Override
    public String toString() {
        return "ConnectCredentials[clientId=" + clientId + ", username=" + username + ", remote=" + remote + "]";
    }
}
