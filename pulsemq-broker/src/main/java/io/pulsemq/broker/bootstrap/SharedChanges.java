package io.pulsemq.broker.bootstrap;

import io.pulsemq.broker.api.DeviceCredentialsApi;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.BanStore;
import io.pulsemq.broker.auth.DeviceCredential;
import io.pulsemq.broker.auth.DeviceCredentialStore;
import io.pulsemq.broker.auth.DeviceCredentials;
import io.pulsemq.broker.cluster.SharedRecords;
import io.pulsemq.broker.session.SessionRegistry;

/**
 * A cluster node applying a ban or device credential changed anywhere in the cluster: to its memory and its own store
 * (not back to the stream), and, as the node that made the change does, disconnecting a device connected here with a
 * credential that no longer works.
 */
final class SharedChanges implements SharedRecords.Listener {

    private final BanList bans;
    private final BanStore localBans;
    private final DeviceCredentials devices;
    private final DeviceCredentialStore localDevices;
    private final SessionRegistry sessions;

    SharedChanges(BanList bans, BanStore localBans, DeviceCredentials devices, DeviceCredentialStore localDevices,
                  SessionRegistry sessions) {
        this.bans = bans;
        this.localBans = localBans;
        this.devices = devices;
        this.localDevices = localDevices;
        this.sessions = sessions;
    }

    @Override
    public void banned(Ban ban) {
        localBans.put(bans.add(ban));
    }

    @Override
    public void unbanned(Ban.Kind kind, String value) {
        bans.forget(kind, value);
        localBans.delete(kind, value);
    }

    @Override
    public void issued(DeviceCredential credential) {
        DeviceCredential replaced = devices.applyIssued(credential);
        localDevices.put(credential);
        DeviceCredentialsApi.cutOff(sessions, replaced);
    }

    @Override
    public void revoked(String clientId) {
        DeviceCredential old = devices.applyRevoked(clientId);
        localDevices.delete(clientId);
        DeviceCredentialsApi.cutOff(sessions, old);
    }
}
