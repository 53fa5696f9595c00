package io.pulsemq.broker.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.config.TlsConfig;
import io.pulsemq.broker.transport.TlsContexts.ApplicationProtocol;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ALPN as each listener kind advertises it, with the OpenSSL (BoringSSL) and the JDK provider, TLS 1.3 and 1.2:
 * a JDK client engine offering ALPN gets the listener's protocol; one offering something else, or no ALPN, still
 * completes the handshake without one. Handshakes run in memory between two {@link SSLEngine}s.
 */
class TlsContextsTest {

    @TempDir
    static Path dir;
    private static TlsConfig config;
    private static X509Certificate certificate;

    @BeforeAll
    static void writeCertificate() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = g.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        certificate = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        Path cert = dir.resolve("server.pem");
        Path keyFile = dir.resolve("server.key");
        Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getPrivate().getEncoded()));
        config = new TlsConfig(cert.toString(), keyFile.toString(), null, TlsConfig.ClientAuth.NONE, false);
    }

    static Stream<Arguments> providersAndProtocols() {
        return Stream.of(SslProvider.OPENSSL, SslProvider.JDK).flatMap(provider ->
                Stream.of("TLSv1.3", "TLSv1.2").map(protocol -> Arguments.of(provider, protocol)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndProtocols")
    void mqttListener_clientOffersMqtt_mqttIsSelected(SslProvider provider, String protocol) throws Exception {
        assertThat(handshake(provider, ApplicationProtocol.MQTT, protocol, "mqtt")).isEqualTo("mqtt");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndProtocols")
    void mqttListener_clientOffersAnotherProtocolOrNoAlpn_handshakeCompletesWithoutAlpn(SslProvider provider,
                                                                                     String protocol) throws Exception {
        assertThat(handshake(provider, ApplicationProtocol.MQTT, protocol, "x-amzn-mqtt-ca")).isEmpty();
        assertThat(handshake(provider, ApplicationProtocol.MQTT, protocol)).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndProtocols")
    void httpListener_clientOffersH2AndHttp11_http11IsSelected(SslProvider provider, String protocol) throws Exception {
        assertThat(handshake(provider, ApplicationProtocol.HTTP_1_1, protocol, "h2", "http/1.1")).isEqualTo("http/1.1");
        assertThat(handshake(provider, ApplicationProtocol.HTTP_1_1, protocol, "h2")).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndProtocols")
    void noAlpnListener_clientOffersMqtt_handshakeCompletesWithoutAlpn(SslProvider provider, String protocol)
            throws Exception {
        assertThat(handshake(provider, ApplicationProtocol.NONE, protocol, "mqtt", "amqp")).isEmpty();
    }

    /** Runs a handshake of a JDK client offering {@code alpn} (none: no ALPN); answers the protocol it got. */
    private static String handshake(SslProvider provider, ApplicationProtocol listener, String tlsProtocol,
                                    String... alpn) throws Exception {
        assumeTrue(provider != SslProvider.OPENSSL || OpenSsl.isAvailable(), "BoringSSL does not load here");
        TlsContexts contexts = TlsContexts.load(config, provider);
        assertThat(contexts.provider()).isEqualTo(provider);
        SslContext server = contexts.forListener(new ListenerConfig("127.0.0.1", 0, null), listener).get();
        SSLEngine serverEngine = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine clientEngine = clientContext().createSSLEngine("localhost", 8883);
        clientEngine.setUseClientMode(true);
        SSLParameters parameters = clientEngine.getSSLParameters();
        parameters.setProtocols(new String[]{tlsProtocol});
        if (alpn.length > 0) {
            parameters.setApplicationProtocols(alpn);
        }
        clientEngine.setSSLParameters(parameters);

        run(clientEngine, serverEngine);

        assertThat(clientEngine.getSession().getProtocol()).isEqualTo(tlsProtocol);
        return clientEngine.getApplicationProtocol();
    }

    private static SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Moves handshake records between the two engines until both are done. */
    private static void run(SSLEngine client, SSLEngine server) throws Exception {
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int app = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(4 * packet);
        ByteBuffer toClient = ByteBuffer.allocate(4 * packet);
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer clientApp = ByteBuffer.allocate(app);
        ByteBuffer serverApp = ByteBuffer.allocate(app);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 200 && !(done(client) && done(server)); step++) {
            client.wrap(empty, toServer);
            tasks(client);
            toServer.flip();
            server.unwrap(toServer, serverApp);
            toServer.compact();
            tasks(server);
            server.wrap(empty, toClient);
            tasks(server);
            toClient.flip();
            client.unwrap(toClient, clientApp);
            toClient.compact();
            tasks(client);
        }
        assertThat(done(client) && done(server)).as("handshake completed").isTrue();
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus s = engine.getHandshakeStatus();
        return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
    }

    private static void tasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
