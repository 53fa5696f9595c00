package io.pulsemq.broker.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The server {@link SslContext}s of the TLS listeners, built from {@code tls.*}: one per client-certificate
 * mode and {@link ApplicationProtocol}, so that each listener can override {@code tls.clientAuth} and advertises
 * the ALPN protocol of what it serves.
 *
 * <p>OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static}) when it loads, else the JDK provider;
 * TLS 1.3 and 1.2 only; for TLS 1.2 only ECDHE key exchange with AEAD ciphers.
 *
 * <p>Threading: {@link #reloadIfChanged()} and {@link #reload()} are called from one thread (the broker's timer); the current
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

    /**
     * What a listener serves, and so the ALPN protocol it selects when a client offers it (RFC 7301). Selection
     * never fails a handshake: a client offering none of it, or no ALPN at all, is answered without ALPN and
     * connects as before ({@code NO_ADVERTISE}, {@code ACCEPT}).
     */
    public enum ApplicationProtocol {
        /** MQTT over TLS ({@code mqtts}): {@code mqtt}, the IANA-registered ALPN ID. */
        MQTT("mqtt"),
        /** HTTP/1.1 ({@code https}, and {@code wss}, whose WebSocket starts as an HTTP/1.1 upgrade). */
        HTTP_1_1(ApplicationProtocolNames.HTTP_1_1),
        /** No ALPN ({@code amqps}: AMQP 0-9-1 has no registered ALPN ID). */
        NONE(null);

        /** The ALPN protocol ID, or null for none. */
        final String alpnId;

        ApplicationProtocol(String alpnId) {
            this.alpnId = alpnId;
        }

        ApplicationProtocolConfig config() {
            return alpnId == null ? ApplicationProtocolConfig.DISABLED : new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    // the only failure behaviours both the OpenSSL and the JDK server engines support
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpnId);
        }
    }

    /** One context: for a client-certificate mode and an application protocol. */
    private record Kind(TlsConfig.ClientAuth clientAuth, ApplicationProtocol protocol) {
    }

    private static final Map<TlsConfig.ClientAuth, ClientAuth> NETTY_CLIENT_AUTH = new EnumMap<>(Map.of(
            TlsConfig.ClientAuth.NONE, ClientAuth.NONE,
            TlsConfig.ClientAuth.OPTIONAL, ClientAuth.OPTIONAL,
            TlsConfig.ClientAuth.REQUIRED, ClientAuth.REQUIRE));

    private final TlsConfig config;
    private final SslProvider provider;
    private volatile Map<Kind, SslContext> current;
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
        return load(config, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /**
     * As {@link #load(TlsConfig)}, with {@code provider} rather than the best available one (OpenSSL fails here
     * when BoringSSL cannot load).
     */
    public static TlsContexts load(TlsConfig config, SslProvider provider) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("tls.certFile is not set");
        }
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
     * listener's {@code clientAuth}, else {@code tls.clientAuth}, advertising {@code protocol}.
     */
    public Supplier<SslContext> forListener(ListenerConfig listener, ApplicationProtocol protocol) {
        TlsConfig.ClientAuth mode = listener.clientAuth() == null ? config.clientAuth() : listener.clientAuth();
        if (mode != TlsConfig.ClientAuth.NONE && config.caFile() == null) {
            throw new IllegalArgumentException("clientAuth " + mode.name().toLowerCase() + " needs tls.caFile");
        }
        Kind kind = new Kind(mode, protocol);
        return () -> current.get(kind);
    }

    /**
     * Rebuilds the contexts if the certificate, key or CA file changed (modification time or size) since the
     * last attempt. A file that cannot be loaded keeps the old contexts and is logged once per change.
     *
     * @return whether new contexts are now in use
     */
    public boolean reloadIfChanged() {
        List<FileStamp> now = stamps();
        return !now.equals(loadedStamps) && reload(now);
    }

    /**
     * Rebuilds the contexts from the files now, whether or not they look changed (SIGHUP: a file replaced by one
     * of the same size and modification time is loaded too). Files that cannot be loaded keep the old contexts.
     *
     * @return whether new contexts are now in use
     */
    public boolean reload() {
        return reload(stamps());
    }

    private boolean reload(List<FileStamp> now) {
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

    private Map<Kind, SslContext> build() {
        Map<Kind, SslContext> contexts = new HashMap<>();
        for (TlsConfig.ClientAuth mode : TlsConfig.ClientAuth.values()) {
            if (mode != TlsConfig.ClientAuth.NONE && config.caFile() == null) {
                continue; // refused by forListener
            }
            for (ApplicationProtocol protocol : ApplicationProtocol.values()) {
                contexts.put(new Kind(mode, protocol), context(NETTY_CLIENT_AUTH.get(mode), protocol));
            }
        }
        return Map.copyOf(contexts);
    }

    private SslContext context(ClientAuth clientAuth, ApplicationProtocol protocol) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(new File(config.certFile()), new File(config.keyFile()))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .clientAuth(clientAuth)
                    .applicationProtocolConfig(protocol.config());
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
