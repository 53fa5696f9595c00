package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.TlsConfig;
import io.pulsemq.protocol.ClientIds;

import java.util.Optional;

/**
 * {@code tls.bindClientId}: whether a client that presented a certificate may use a client ID. Pure decision,
 * no I/O; the MQTT connection acts on it (refuses the CONNECT as not authorized and reports it for the trace).
 */
public final class CertificateBinding {

    private CertificateBinding() {
    }

    /**
     * Why {@code certificate} may not be used with {@code clientId}, or empty when it may: always when
     * {@code tls.bindClientId} is off or the client presented no certificate ({@code certificate} null); else only
     * when the certificate's CN or one of its DNS names equals the client ID or its group ID (the part before
     * {@code @@@}).
     *
     * @return a secret-free explanation for the log and the client's trace, or empty
     */
    public static Optional<String> refusal(TlsConfig tls, ClientCertificate certificate, String clientId) {
        if (!tls.bindClientId() || certificate == null) {
            return Optional.empty();
        }
        String group = ClientIds.groupOf(clientId);
        if (certificate.names(clientId) || (!group.isEmpty() && certificate.names(group))) {
            return Optional.empty();
        }
        return Optional.of("client certificate (CN " + certificate.commonName() + ", serial " + certificate.serialHex()
                + ") is not bound to client ID " + clientId + (group.isEmpty() ? "" : " or group " + group));
    }
}
