package io.pulsemq.bench.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * The one server certificate every broker of part 8 is given: self-signed, EC P-256 (what a modern deployment
 * uses and the cheapest full handshake), for {@code 127.0.0.1}, written as the PEM files both PulseMQ
 * ({@code tls.certFile}/{@code tls.keyFile}) and Mosquitto ({@code certfile}/{@code keyfile}) read. The load
 * generators trust exactly this certificate and check it, as a device pinning its broker's certificate would.
 *
 * @param certFile PEM certificate
 * @param keyFile  PEM PKCS#8 private key
 */
public record BenchCertificate(Path certFile, Path keyFile) {

    /** Makes a new key and certificate in {@code dir}. */
    public static BenchCertificate create(Path dir) throws IOException {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair key = g.generateKeyPair();
            X500Name name = new X500Name("CN=127.0.0.1");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, random).setBit(63), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(7))), name, key.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
            Files.createDirectories(dir);
            BenchCertificate c = new BenchCertificate(dir.resolve("bench-cert.pem"), dir.resolve("bench-key.pem"));
            Files.writeString(c.certFile, pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(c.keyFile, pem("PRIVATE KEY", key.getPrivate().getEncoded()));
            return c;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the bench certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A client context for the load generators: trusts this certificate only, offers only {@code protocol}
     * ({@code TLSv1.3} or {@code TLSv1.2}), on OpenSSL when it loads (so the generator's own handshake costs the
     * least of the shared CPU), and keeps no sessions, so every connect is a full handshake. No host name check:
     * the handlers are made without a peer host (so that no session is kept for it), and trusting this one
     * certificate already pins the broker.
     */
    public SslContext clientContext(String protocol) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols(List.of(protocol))
                .trustManager(certFile.toFile())
                .endpointIdentificationAlgorithm(null)
                .sessionCacheSize(1)
                .sessionTimeout(1)
                .build();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
