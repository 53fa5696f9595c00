package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthConfig.AnonymousPolicy;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuthenticatorTest {

    private static final AccessKey CAR = new AccessKey("AK_CAR", "s3cret", AccessKey.Role.DEVICE, List.of("GID_car"),
            List.of("GID_car@@@*"));
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.10", 40000);

    private final Authenticator auth = new Authenticator("inst-1", AnonymousPolicy.LOOPBACK, List.of(CAR));

    @Test
    void signatureMode_correctSignature_isAccepted() {
        String clientId = "GID_car@@@vin1";
        AuthResult r = auth.authenticate(creds(clientId, "Signature|AK_CAR|inst-1", Signatures.hmacSha1Base64("s3cret", clientId), REMOTE));
        assertThat(r.accepted()).isTrue();
        assertThat(r.key()).isEqualTo(CAR);
    }

    @Test
    void signatureMode_signatureOfAnotherClientId_isBadCredentials() {
        AuthResult r = auth.authenticate(creds("GID_car@@@vin1", "Signature|AK_CAR|inst-1",
                Signatures.hmacSha1Base64("s3cret", "GID_car@@@vin2"), REMOTE));
        assertThat(r.outcome()).isEqualTo(AuthResult.Outcome.BAD_CREDENTIALS);
        assertThat(r.detail()).doesNotContain("s3cret");
    }

    @Test
    void signatureMode_everyWrongPart_isTheSameBadCredentials() {
        String clientId = "GID_car@@@vin1";
        String good = Signatures.hmacSha1Base64("s3cret", clientId);
        List<ConnectCredentials> wrong = List.of(
                creds(clientId, "Signature|AK_NONE|inst-1", Signatures.hmacSha1Base64("s3cret", clientId), REMOTE),
                creds(clientId, "Signature|AK_CAR|inst-2", good, REMOTE),
                creds(clientId, "Signature|AK_CAR|inst-1", good + "x", REMOTE),
                creds(clientId, "Signature|AK_CAR", good, REMOTE),
                creds(clientId, "Signature|AK_CAR|inst-1|extra", good, REMOTE));
        for (ConnectCredentials c : wrong) {
            AuthResult r = auth.authenticate(c);
            assertThat(r.outcome()).as(c.username()).isEqualTo(AuthResult.Outcome.BAD_CREDENTIALS);
            assertThat(r.key()).isNull();
            assertThat(r.detail()).doesNotContain("s3cret");
        }
    }

    @Test
    void accessKey_withoutGroups_allowsNoGroup() {
        AccessKey bare = new AccessKey("AK_BARE", "bare-secret", AccessKey.Role.DEVICE, null);
        assertThat(bare.groups()).isEmpty();
        Authenticator withBare = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(bare));
        AuthResult r = withBare.authenticate(creds("GID_car@@@x", "AK_BARE", "bare-secret", REMOTE));
        assertThat(r.outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
    }

    @Test
    void keyNotAllowedForGroup_isNotAuthorized() {
        String clientId = "GID_bike@@@b1";
        AuthResult r = auth.authenticate(creds(clientId, "Signature|AK_CAR|inst-1", Signatures.hmacSha1Base64("s3cret", clientId), REMOTE));
        assertThat(r.outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
    }

    @Test
    void deviceKeyBoundToClientIds_cannotConnectAsASibling() {
        AccessKey vin1 = new AccessKey("AK_VIN1", "vin1-device-secret", AccessKey.Role.DEVICE, List.of("GID_car"),
                List.of("GID_car@@@vin1"));
        Authenticator bound = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(vin1));

        AuthResult own = bound.authenticate(creds("GID_car@@@vin1", "Signature|AK_VIN1|inst-1",
                Signatures.hmacSha1Base64("vin1-device-secret", "GID_car@@@vin1"), REMOTE));
        AuthResult sibling = bound.authenticate(creds("GID_car@@@vin2", "Signature|AK_VIN1|inst-1",
                Signatures.hmacSha1Base64("vin1-device-secret", "GID_car@@@vin2"), REMOTE));

        assertThat(own.accepted()).isTrue();
        assertThat(sibling.outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
        assertThat(sibling.detail()).contains("GID_car@@@vin2").doesNotContain("vin1-device-secret");
    }

    @Test
    void deviceKeyWithoutClientIds_connectsAsNoClient_whileAServerKeyGetsItsGroups() {
        AccessKey device = new AccessKey("AK_DEV", "device-secret-16chars", AccessKey.Role.DEVICE, List.of("GID_car"));
        AccessKey server = new AccessKey("AK_SRV", "server-secret-16chars", AccessKey.Role.SERVER, List.of("GID_car"));
        Authenticator a = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(device, server));

        AuthResult d = a.authenticate(creds("GID_car@@@vin1", "AK_DEV", "device-secret-16chars", REMOTE));
        AuthResult s = a.authenticate(creds("GID_car@@@vin1", "AK_SRV", "server-secret-16chars", REMOTE));

        assertThat(d.outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
        assertThat(s.accepted()).isTrue();
    }

    @Test
    void deviceCredential_acceptedForItsOwnClientIdOnly() {
        DeviceCredentials devices = DeviceCredentials.inMemory(java.time.Clock.systemUTC());
        DeviceCredential vin1 = devices.register("GID_car@@@vin1").current();
        Authenticator a = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(CAR), devices);
        String username = "DeviceCredential|" + vin1.accessKeyId() + "|inst-1";

        AuthResult own = a.authenticate(creds("GID_car@@@vin1", username,
                Signatures.hmacSha1Base64(vin1.secret(), "GID_car@@@vin1"), REMOTE));
        AuthResult sibling = a.authenticate(creds("GID_car@@@vin2", username,
                Signatures.hmacSha1Base64(vin1.secret(), "GID_car@@@vin2"), REMOTE));
        AuthResult wrongSecret = a.authenticate(creds("GID_car@@@vin1", username,
                Signatures.hmacSha1Base64("not-the-secret", "GID_car@@@vin1"), REMOTE));

        assertThat(own.accepted()).isTrue();
        assertThat(own.key().id()).isEqualTo(vin1.accessKeyId());
        assertThat(own.key().allowsClientId("GID_car@@@vin2")).isFalse();
        assertThat(sibling.outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
        assertThat(wrongSecret.outcome()).isEqualTo(AuthResult.Outcome.BAD_CREDENTIALS);
        assertThat(wrongSecret.detail()).doesNotContain(vin1.secret());
    }

    @Test
    void deviceCredential_unknownWrongInstanceAndReplaced_answerTheSame() {
        DeviceCredentials devices = DeviceCredentials.inMemory(java.time.Clock.systemUTC());
        DeviceCredential old = devices.register("GID_car@@@vin1").current();
        DeviceCredential current = devices.register("GID_car@@@vin1").current();
        Authenticator a = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(CAR), devices);
        String clientId = "GID_car@@@vin1";

        AuthResult replaced = a.authenticate(creds(clientId, "DeviceCredential|" + old.accessKeyId() + "|inst-1",
                Signatures.hmacSha1Base64(old.secret(), clientId), REMOTE));
        AuthResult unknown = a.authenticate(creds(clientId, "DeviceCredential|DC.nope|inst-1",
                Signatures.hmacSha1Base64(current.secret(), clientId), REMOTE));
        AuthResult otherInstance = a.authenticate(creds(clientId, "DeviceCredential|" + current.accessKeyId() + "|inst-2",
                Signatures.hmacSha1Base64(current.secret(), clientId), REMOTE));
        AuthResult noStore = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(CAR)).authenticate(creds(clientId,
                "DeviceCredential|" + current.accessKeyId() + "|inst-1", Signatures.hmacSha1Base64(current.secret(), clientId), REMOTE));

        assertThat(List.of(replaced, unknown, otherInstance, noStore))
                .extracting(AuthResult::outcome).containsOnly(AuthResult.Outcome.BAD_CREDENTIALS);
    }

    @Test
    void plainKey_rightAndWrongSecret() {
        assertThat(auth.authenticate(creds("GID_car@@@x", "AK_CAR", "s3cret", REMOTE)).accepted()).isTrue();
        assertThat(auth.authenticate(creds("GID_car@@@x", "AK_CAR", "s3creT", REMOTE)).outcome())
                .isEqualTo(AuthResult.Outcome.BAD_CREDENTIALS);
        assertThat(auth.authenticate(creds("GID_car@@@x", "AK_NONE", "s3cret", REMOTE)).outcome())
                .isEqualTo(AuthResult.Outcome.BAD_CREDENTIALS);
    }

    @Test
    void anonymous_followsPolicy() {
        assertThat(auth.authenticate(creds("c", null, null, LOCAL)).accepted()).isTrue();
        assertThat(auth.authenticate(creds("c", null, null, REMOTE)).outcome()).isEqualTo(AuthResult.Outcome.NOT_AUTHORIZED);
        Authenticator closed = new Authenticator("inst-1", AnonymousPolicy.FALSE, List.of(CAR));
        assertThat(closed.authenticate(creds("c", null, null, LOCAL)).accepted()).isFalse();
        Authenticator open = new Authenticator("inst-1", AnonymousPolicy.TRUE, List.of(CAR));
        assertThat(open.authenticate(creds("c", null, null, REMOTE)).accepted()).isTrue();
    }

    private static ConnectCredentials creds(String clientId, String username, String password, InetSocketAddress from) {
        return new ConnectCredentials(clientId, username, password == null ? null : password.getBytes(StandardCharsets.UTF_8), from);
    }
}
