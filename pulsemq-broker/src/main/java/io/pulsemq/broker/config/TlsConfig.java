package io.pulsemq.broker.config;

/**
 * TLS for the {@code mqtts}, {@code wss}, {@code https} and {@code amqps} listeners.
 *
 * @param certFile   PEM certificate chain (server certificate first); null: no TLS listener is bound
 * @param keyFile    PEM private key (PKCS#8) of the certificate
 * @param caFile     PEM bundle of the CAs trusted for client certificates; null: none
 * @param clientAuth whether clients must present a certificate; a listener's {@code clientAuth} overrides it
 */
public record TlsConfig(String certFile, String keyFile, String caFile, ClientAuth clientAuth) {

    public TlsConfig {
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    }

    /** TLS switched off: no certificate. */
    public static TlsConfig none() {
        return new TlsConfig(null, null, null, ClientAuth.NONE);
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
