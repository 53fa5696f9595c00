package io.pulsemq.broker.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.pulsemq.broker.auth.ClientCertificate;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.config.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The server {@link SslContext}s of the TLS listeners, built from {@code tls.*}: one per client-certificate
 * mode, so that each listener can override {@code tls.clientAuth}.
 *
 * <p>OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static}) when it loads, else the JDK provider;
 * TLS 1.3 and 1.2 only; for TLS 1.2 only ECDHE key exchange with AEAD ciphers.
 *
 * <p>Threading: {@link #reloadIfChanged()} is called from one thread (the broker's timer); the current
 * contexts are one volatile value, so a pipeline being set up on an event loop reads either the old or the
 * new set whole. A connection keeps the context it was accepted with: a reload never touches live
 * connections.
 */
public final class TlsContexts {

    /** Name of the {@link SslHandler} in every TLS pipeline (first handler). */
    public static final String HANDLER_NAME = "tls";
    /** The protocols offered: nothing older than TLS 1.2. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * The cipher suites offered: the TLS 1.3 suites, and for TLS 1.2 only forward-secret (ECDHE) AEAD suites;
     * those the provider lacks are filtered out.
     */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

    private final TlsConfig config;
    private final SslProvider provider;
    private volatile Map<TlsConfig.ClientAuth, SslContext> current;
    /** Files as they were when last loaded (or last tried); written by the reloading thread only. */
    private List<FileStamp> loadedStamps;

    private TlsContexts(TlsConfig config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
    }

    /**
     * Builds the contexts from the configured files.
     *
     * @throws IllegalArgumentException if TLS is not enabled, a file cannot be read or parsed, or a client
     *                                  certificate mode other than {@code none} is used without {@code tls.caFile}
     */
    public static TlsContexts load(TlsConfig config) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("tls.certFile is not set");
        }
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        TlsContexts contexts = new TlsContexts(config, provider);
        contexts.loadedStamps = contexts.stamps();
        contexts.current = contexts.build();
        LOG.info("TLS: certificate {} loaded ({} provider)", config.certFile(), provider);
        return contexts;
    }

    /** The provider in use: {@link SslProvider#OPENSSL} or, when BoringSSL cannot load, {@link SslProvider#JDK}. */
    public SslProvider provider() {
        return provider;
    }

    /**
     * The context a listener's pipelines take their {@link SslHandler} from: always the current one, with the
     * listener's {@code clientAuth}, else {@code tls.clientAuth}.
     */
    public Supplier<SslContext> forListener(ListenerConfig listener) {
        TlsConfig.ClientAuth mode = listener.clientAuth() == null ? config.clientAuth() : listener.clientAuth();
        if (mode != TlsConfig.ClientAuth.NONE && config.caFile() == null) {
            throw new IllegalArgumentException("clientAuth " + mode.name().toLowerCase() + " needs tls.caFile");
        }
        return () -> current.get(mode);
    }

    /**
     * Rebuilds the contexts if the certificate, key or CA file changed (modification time or size) since the
     * last attempt. A file that cannot be loaded keeps the old contexts and is logged once per change.
     *
     * @return whether new contexts are now in use
     */
    public boolean reloadIfChanged() {
        List<FileStamp> now = stamps();
        if (now.equals(loadedStamps)) {
            return false;
        }
        loadedStamps = now;
        try {
            current = build();
            LOG.info("TLS: certificate {} reloaded", config.certFile());
            return true;
        } catch (RuntimeException e) {
            LOG.error("TLS: cannot reload {} / {}; the previous certificate stays in use: {}", config.certFile(),
                    config.keyFile(), e.getMessage());
            return false;
        }
    }

    /**
     * The certificate the peer of {@code channel} presented in its TLS handshake (the first of its chain); null for
     * a plain connection or a client without a certificate. Call after the handshake.
     */
    public static ClientCertificate peerCertificate(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? ClientCertificate.of(x509) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private Map<TlsConfig.ClientAuth, SslContext> build() {
        Map<TlsConfig.ClientAuth, SslContext> contexts = new EnumMap<>(TlsConfig.ClientAuth.class);
        contexts.put(TlsConfig.ClientAuth.NONE, context(ClientAuth.NONE));
        if (config.caFile() != null) {
            contexts.put(TlsConfig.ClientAuth.OPTIONAL, context(ClientAuth.OPTIONAL));
            contexts.put(TlsConfig.ClientAuth.REQUIRED, context(ClientAuth.REQUIRE));
        }
        return Map.copyOf(contexts);
    }

    private SslContext context(ClientAuth clientAuth) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(new File(config.certFile()), new File(config.keyFile()))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .clientAuth(clientAuth);
            if (clientAuth != ClientAuth.NONE) {
                builder.trustManager(new File(config.caFile()));
            }
            return builder.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load TLS certificate " + config.certFile() + " / key "
                    + config.keyFile() + (config.caFile() == null ? "" : " / CA " + config.caFile()) + ": "
                    + e.getMessage(), e);
        }
    }

    private List<FileStamp> stamps() {
        List<FileStamp> stamps = new ArrayList<>(3);
        stamps.add(FileStamp.of(config.certFile()));
        stamps.add(FileStamp.of(config.keyFile()));
        if (config.caFile() != null) {
            stamps.add(FileStamp.of(config.caFile()));
        }
        return stamps;
    }

    /** A file's modification time and size; {@code -1, -1} when it does not exist or cannot be read. */
    private record FileStamp(String file, long modifiedMillis, long size) {
        static FileStamp of(String file) {
            if (file == null) {
                return new FileStamp(null, -1, -1);
            }
            try {
                BasicFileAttributes a = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
                return new FileStamp(file, a.lastModifiedTime().toMillis(), a.size());
            } catch (IOException e) {
                return new FileStamp(file, -1, -1);
            }
        }
    }
}
