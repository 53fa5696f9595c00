package io.pulsemq.broker.config;

/**
 * TLS for the {@code mqtts}, {@code wss}, {@code https} and {@code amqps} listeners.
 *
 * @param certFile   PEM certificate chain (server certificate first); null: no TLS listener is bound
 * @param keyFile    PEM private key (PKCS#8) of the certificate
 * @param caFile     PEM bundle of the CAs trusted for client certificates; null: none
 * @param clientAuth whether clients must present a certificate; a listener's {@code clientAuth} overrides it
 * @param bindClientId when true, an MQTT client that presented a certificate must use a client ID its CN or one of
 *                     its DNS subject alternative names equals, or whose group ID (before {@code @@@}) one of them
 *                     equals; a client without a certificate is not affected
 */
public record TlsConfig(String certFile, String keyFile, String caFile, ClientAuth clientAuth, boolean bindClientId) {

    public TlsConfig {
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    }

    /** TLS switched off: no certificate. */
    public static TlsConfig none() {
        return new TlsConfig(null, null, null, ClientAuth.NONE, false);
    }

    /** This configuration with {@code bindClientId} set as given. */
    public TlsConfig withBindClientId(boolean bind) {
        return new TlsConfig(certFile, keyFile, caFile, clientAuth, bind);
    }

    /** Whether a certificate is configured, so the TLS listeners are bound. */
    public boolean enabled() {
        return certFile != null && !certFile.isBlank();
    }

    /** Client certificates on a TLS listener. */
    public enum ClientAuth {
        /** Not asked for. */
        NONE,
        /** Asked for; a client without one is still accepted, one with an untrusted one is refused. */
        OPTIONAL,
        /** A trusted client certificate is required. */
        REQUIRED
    }
}
