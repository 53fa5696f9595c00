package io.pulsemq.it;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;

/**
 * A throw-away PKI for TLS tests, made with BouncyCastle: a CA, a server certificate for {@code 127.0.0.1}
 * and {@code localhost} and a client certificate, all signed by the CA, with EC P-256 keys, written as PEM files
 * the broker reads ({@code tls.certFile}, {@code tls.keyFile}, {@code tls.caFile}).
 */
final class TestPki {

    private static final SecureRandom RANDOM = new SecureRandom();

    final Path dir;
    final X509Certificate ca;
    final KeyPair caKey;
    final X509Certificate server;
    final KeyPair serverKey;
    final X509Certificate client;
    final KeyPair clientKey;

    private TestPki(Path dir, X509Certificate ca, KeyPair caKey, X509Certificate server, KeyPair serverKey,
                    X509Certificate client, KeyPair clientKey) {
        this.dir = dir;
        this.ca = ca;
        this.caKey = caKey;
        this.server = server;
        this.serverKey = serverKey;
        this.client = client;
        this.clientKey = clientKey;
    }

    /** Generates a new CA with server and client certificates and writes the PEM files into {@code dir}. */
    static TestPki create(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        KeyPair caKey = ecKey();
        X500Name caName = new X500Name("CN=" + name + " test CA");
        X509Certificate ca = sign(caName, caName, caKey, caKey, true, null);
        KeyPair serverKey = ecKey();
        X509Certificate server = sign(new X500Name("CN=localhost"), caName, serverKey, caKey, false,
                new GeneralNames(new GeneralName[]{new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")}));
        KeyPair clientKey = ecKey();
        X509Certificate client = sign(new X500Name("CN=GID_car@@@tls-device"), caName, clientKey, caKey, false, null);
        TestPki pki = new TestPki(dir, ca, caKey, server, serverKey, client, clientKey);
        pki.writeFiles();
        return pki;
    }

    Path certFile() {
        return dir.resolve("server.pem");
    }

    Path keyFile() {
        return dir.resolve("server.key");
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** The client certificate's serial number as the broker reports it: lower-case hex. */
    String clientSerialHex() {
        return client.getSerialNumber().toString(16);
    }

    /** A client context trusting this CA, without a client certificate. */
    SSLContext clientContext(String protocol) throws GeneralSecurityException, IOException {
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(null, trustManagers().getTrustManagers(), RANDOM);
        return ctx;
    }

    /** A client context trusting this CA and presenting the client certificate. */
    SSLContext clientContextWithCertificate() throws GeneralSecurityException, IOException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers().getKeyManagers(), trustManagers().getTrustManagers(), RANDOM);
        return ctx;
    }

    TrustManagerFactory trustManagers() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    KeyManagerFactory keyManagers() throws GeneralSecurityException, IOException {
        return keyManagers(clientKey, client);
    }

    private KeyManagerFactory keyManagers(KeyPair key, X509Certificate certificate)
            throws GeneralSecurityException, IOException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "test".toCharArray();
        keys.setKeyEntry("client", key.getPrivate(), password, new X509Certificate[]{certificate, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        return kmf;
    }

    /**
     * Key managers presenting a new client certificate signed by this CA, with subject {@code CN=<commonName>} and
     * {@code dnsNames} as DNS subject alternative names.
     */
    KeyManagerFactory clientKeyManagers(String commonName, String... dnsNames) throws Exception {
        KeyPair key = ecKey();
        GeneralNames san = dnsNames.length == 0 ? null : new GeneralNames(Arrays.stream(dnsNames)
                .map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new));
        X509Certificate certificate = sign(new X500Name("CN=" + commonName), X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), key,
                caKey, false, san);
        return keyManagers(key, certificate);
    }

    /** Replaces the broker's files with those of {@code other} (each file moved into place atomically). */
    void replaceFilesWith(TestPki other) throws IOException {
        move(other.certFile(), certFile());
        move(other.keyFile(), keyFile());
        move(other.caFile(), caFile());
    }

    private static void move(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void writeFiles() throws IOException, GeneralSecurityException {
        Files.writeString(certFile(), pem("CERTIFICATE", server.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(keyFile(), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        Files.writeString(caFile(), pem("CERTIFICATE", ca.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static KeyPair ecKey() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, X500Name issuer, KeyPair subjectKey, KeyPair issuerKey,
                                        boolean isCa, GeneralNames san) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).setBit(63),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                subjectKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        b.addExtension(Extension.keyUsage, true, isCa
                ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        if (san != null) {
            b.addExtension(Extension.subjectAlternativeName, false, san);
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
