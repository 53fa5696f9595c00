package io.pulsemq.broker.auth;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link DeviceCredentialStore} must do, seen through {@link DeviceCredentials}; each implementation's
 * test extends this.
 */
public abstract class DeviceCredentialStoreContract {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);

    protected DeviceCredentialStore store;

    /** A new, empty store; called before each test. */
    protected abstract DeviceCredentialStore newStore();

    /** The same store as a broker restart would see it. */
    protected abstract DeviceCredentialStore reopened();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Test
    void emptyStore_loadsNothing() {
        assertThat(store.loadAll()).isEmpty();
    }

    @Test
    void registered_credentialsAreBackAfterARestart_andAnswerLogins() {
        DeviceCredentials before = new DeviceCredentials(store, CLOCK);
        DeviceCredential vin1 = before.register("GID_car@@@vin1").current();
        DeviceCredential vin2 = before.register("GID_car@@@vin2").current();

        DeviceCredentials after = new DeviceCredentials(reopened(), CLOCK);

        assertThat(after.load()).isEqualTo(2);
        assertThat(after.byAccessKeyId(vin1.accessKeyId())).contains(vin1);
        assertThat(after.of("GID_car@@@vin2")).contains(vin2);
    }

    @Test
    void registeringAgain_replacesTheCredential_andTheOldOneIsGoneAfterARestart() {
        DeviceCredentials credentials = new DeviceCredentials(store, CLOCK);
        DeviceCredential first = credentials.register("GID_car@@@vin1").current();
        DeviceCredentials.Change second = credentials.register("GID_car@@@vin1");

        DeviceCredentials after = new DeviceCredentials(reopened(), CLOCK);
        after.load();

        assertThat(second.replaced()).isEqualTo(first);
        assertThat(second.current().accessKeyId()).isNotEqualTo(first.accessKeyId());
        assertThat(second.current().secret()).isNotEqualTo(first.secret());
        assertThat(after.byAccessKeyId(first.accessKeyId())).isEmpty();
        assertThat(after.of("GID_car@@@vin1")).contains(second.current());
        assertThat(after.size()).isEqualTo(1);
    }

    @Test
    void revoked_credentialStaysRevokedAfterARestart() {
        DeviceCredentials credentials = new DeviceCredentials(store, CLOCK);
        DeviceCredential vin1 = credentials.register("GID_car@@@vin1").current();

        assertThat(credentials.revoke("GID_car@@@vin1")).contains(vin1);
        assertThat(credentials.revoke("GID_car@@@vin1")).isEmpty();
        assertThat(credentials.byAccessKeyId(vin1.accessKeyId())).isEmpty();

        DeviceCredentials after = new DeviceCredentials(reopened(), CLOCK);
        assertThat(after.load()).isZero();
    }

    @Test
    void refresh_onlyForAClientIdThatHasACredential() {
        DeviceCredentials credentials = new DeviceCredentials(store, CLOCK);

        assertThat(credentials.refresh("GID_car@@@vin1")).isEmpty();
        DeviceCredential first = credentials.register("GID_car@@@vin1").current();
        DeviceCredential refreshed = credentials.refresh("GID_car@@@vin1").orElseThrow().current();

        assertThat(refreshed.accessKeyId()).startsWith("DC.").isNotEqualTo(first.accessKeyId());
        assertThat(refreshed.createdAt()).isEqualTo(first.createdAt());
        assertThat(credentials.byAccessKeyId(first.accessKeyId())).isEmpty();
    }

    @Test
    void credentialToString_hidesTheSecret() {
        DeviceCredential c = new DeviceCredentials(store, CLOCK).register("GID_car@@@vin1").current();

        assertThat(c.toString()).contains(c.accessKeyId()).doesNotContain(c.secret());
    }
}
