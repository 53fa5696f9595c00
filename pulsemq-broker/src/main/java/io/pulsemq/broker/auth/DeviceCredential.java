package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.protocol.ClientIds;

import java.util.List;

/**
 * One device's own credential, ApsaraMQ's "unique certificate per device": a key ID and secret bound to exactly
 * one client ID. The device connects with username {@code DeviceCredential|<accessKeyId>|<InstanceId>} and password
 * {@code Base64(HmacSHA1(key = secret, data = clientId))}; the credential is good for its own client ID only.
 *
 * @param clientId    the one client ID this credential may connect as
 * @param accessKeyId the DeviceAccessKeyId ({@code DC.} and 22 random characters)
 * @param secret      the DeviceAccessKeySecret; never logged ({@link #toString()} hides it)
 * @param createdAt   epoch ms of the first registration for this client ID
 * @param updatedAt   epoch ms of the last registration or refresh
 */
public record DeviceCredential(String clientId, String accessKeyId, String secret, long createdAt, long updatedAt) {

    /** The access key this credential acts as once authenticated: a device key for its group and its one client ID. */
    public AccessKey asAccessKey() {
        return new AccessKey(accessKeyId, secret, AccessKey.Role.DEVICE, List.of(ClientIds.groupOf(clientId)),
                List.of(clientId));
    }

    @Override
    public String toString() {
        return "DeviceCredential[clientId=" + clientId + ", accessKeyId=" + accessKeyId + ", secret=***]";
    }
}
