package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthConfig.AnonymousPolicy;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.Signatures;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides whether a device may connect. Pure and thread-safe: it returns an {@link AuthResult} and
 * performs no I/O, so the connection handler acts on the decision in one place.
 *
 * <p>Accepted credentials:
 * <ul>
 *   <li>ApsaraMQ Signature mode: username {@code Signature|<AccessKeyId>|<InstanceId>}, password
 *       {@code Base64(HmacSHA1(key = AccessKeySecret, data = ClientId))};</li>
 *   <li>ApsaraMQ device credentials (one secret per device): username
 *       {@code DeviceCredential|<DeviceAccessKeyId>|<InstanceId>}, password
 *       {@code Base64(HmacSHA1(key = DeviceAccessKeySecret, data = ClientId))}, good only for the credential's own
 *       client ID ({@link DeviceCredentials});</li>
 *   <li>plain access keys: username {@code <AccessKeyId>}, password {@code <AccessKeySecret>};</li>
 *   <li>no username: allowed per {@link AnonymousPolicy}.</li>
 * </ul>
 * Every secret comparison is constant-time; the key's {@code groups} must allow the client's group.
 *
 * <p>Every wrong credential gets the same refusal, {@link AuthResult.Outcome#BAD_CREDENTIALS}, whether the key is
 * unknown, the instance is another one, the secret is wrong or the username is malformed, and an unknown key costs
 * the same HMAC as a known one (against a dummy secret), so a refusal does not reveal which key IDs exist. Only the
 * secret-free {@link AuthResult#detail()} (for logs and traces) says which part was wrong.
 */
public final class Authenticator {

    private static final String SIGNATURE_PREFIX = "Signature|";
    private static final String DEVICE_CREDENTIAL_PREFIX = "DeviceCredential|";
    /** Compared against when the key is unknown, so that refusal takes as long as a wrong signature. */
    private static final String DUMMY_SECRET = "pulsemq-dummy-secret-never-matches";

    private final String instanceId;
    private final AnonymousPolicy anonymous;
    private final Map<String, AccessKey> keysById;
    private final DeviceCredentials devices;

    /** An authenticator without device credentials. */
    public Authenticator(String instanceId, AnonymousPolicy anonymous, List<AccessKey> keys) {
        this(instanceId, anonymous, keys, null);
    }

    /**
     * @param devices the device credentials {@code DeviceCredential|...} usernames are checked against; null: none
     */
    public Authenticator(String instanceId, AnonymousPolicy anonymous, List<AccessKey> keys, DeviceCredentials devices) {
        this.instanceId = instanceId;
        this.anonymous = anonymous;
        this.keysById = keys.stream().collect(Collectors.toUnmodifiableMap(AccessKey::id, Function.identity(), (a, b) -> a));
        this.devices = devices;
    }

    /** Authenticates one CONNECT. */
    public AuthResult authenticate(ConnectCredentials c) {
        if (c.username() == null || c.username().isEmpty()) {
            return anonymousAllowed(c) ? AuthResult.accepted(null, "anonymous")
                    : AuthResult.notAuthorized("anonymous connections are not allowed from " + hostOf(c));
        }
        if (c.username().startsWith(SIGNATURE_PREFIX)) {
            return signatureMode(c);
        }
        if (c.username().startsWith(DEVICE_CREDENTIAL_PREFIX)) {
            return deviceCredentialMode(c);
        }
        return plainKey(c);
    }

    private boolean anonymousAllowed(ConnectCredentials c) {
        switch (anonymous) {
            case TRUE:
                return true;
            case LOOPBACK:
                return c.remote() != null && c.remote().getAddress() != null && c.remote().getAddress().isLoopbackAddress();
            default:
                return false;
        }
    }

    private AuthResult signatureMode(ConnectCredentials c) {
        return signedLogin(c, "Signature", "access key", keysById::get, key -> authorizeGroup(key, c));
    }

    private AuthResult deviceCredentialMode(ConnectCredentials c) {
        return signedLogin(c, "DeviceCredential", "device credential",
                id -> devices == null ? null : devices.byAccessKeyId(id).map(DeviceCredential::asAccessKey).orElse(null),
                key -> key.allowsClientId(c.clientId())
                        // the right secret over another client ID: a device borrowing a sibling's identity
                        ? AuthResult.accepted(key, "device credential " + key.id())
                        : AuthResult.notAuthorized("device credential " + key.id() + " belongs to another client ID"));
    }

    /**
     * A {@code <mode>|<id>|<InstanceId>} username with password {@code Base64(HmacSHA1(secret, clientId))}. The
     * HMAC is computed whether or not the ID is known (against a dummy secret), and every failure is
     * {@link AuthResult.Outcome#BAD_CREDENTIALS}; {@code then} decides for a valid login.
     */
    private AuthResult signedLogin(ConnectCredentials c, String mode, String what, Function<String, AccessKey> keys,
                                   Function<AccessKey, AuthResult> then) {
        String[] parts = c.username().split("\\|", -1);
        if (parts.length != 3 || c.password() == null) {
            return AuthResult.badCredentials("malformed " + mode + " username");
        }
        AccessKey key = keys.apply(parts[1]);
        String secret = key == null ? DUMMY_SECRET : key.secret();
        byte[] expected = Signatures.hmacSha1Base64(secret, c.clientId()).getBytes(StandardCharsets.UTF_8);
        boolean signatureMatches = Signatures.constantTimeEquals(expected, c.password());
        if (key == null) {
            return AuthResult.badCredentials("unknown " + what + " " + parts[1]);
        }
        if (!parts[2].equals(instanceId)) {
            return AuthResult.badCredentials("instance " + parts[2] + " is not this instance");
        }
        if (!signatureMatches) {
            return AuthResult.badCredentials("signature mismatch for " + what + " " + key.id());
        }
        return then.apply(key);
    }

    private AuthResult plainKey(ConnectCredentials c) {
        AccessKey key = keysById.get(c.username());
        if (c.password() == null) {
            return AuthResult.badCredentials("missing secret");
        }
        byte[] secret = (key == null ? DUMMY_SECRET : key.secret()).getBytes(StandardCharsets.UTF_8);
        boolean secretMatches = Signatures.constantTimeEquals(secret, c.password());
        if (key == null) {
            return AuthResult.badCredentials("unknown access key");
        }
        if (!secretMatches) {
            return AuthResult.badCredentials("wrong secret for access key " + key.id());
        }
        return authorizeGroup(key, c);
    }

    private static AuthResult authorizeGroup(AccessKey key, ConnectCredentials c) {
        String group = ClientIds.groupOf(c.clientId());
        if (!key.allowsGroup(group)) {
            return AuthResult.notAuthorized("access key " + key.id() + " is not allowed for group '" + group + "'");
        }
        if (!key.allowsClientId(c.clientId())) {
            return AuthResult.notAuthorized("access key " + key.id() + " is not allowed to connect as " + c.clientId());
        }
        return AuthResult.accepted(key, "access key " + key.id());
    }

    private static String hostOf(ConnectCredentials c) {
        return c.remote() == null ? "unknown" : String.valueOf(c.remote().getAddress());
    }
}
