package io.pulsemq.it;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client {@link SSLSocketFactory} (for Paho's {@code setSocketFactory}) whose sockets enable one TLS version
 * only, and which remembers them so a test can check the version each one negotiated.
 */
final class PinnedSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;
    private final String protocol;
    private final List<SSLSocket> sockets = new CopyOnWriteArrayList<>();

    /** Sockets of {@code context} enabling only {@code protocol} ({@code TLSv1.2}, {@code TLSv1.3}). */
    PinnedSocketFactory(SSLContext context, String protocol) {
        this.delegate = context.getSocketFactory();
        this.protocol = protocol;
    }

    /** The TLS version each socket made so far negotiated, in creation order (after their handshakes). */
    List<String> negotiated() {
        return sockets.stream().map(s -> s.getSession().getProtocol()).toList();
    }

    private Socket pin(Socket socket) {
        SSLSocket ssl = (SSLSocket) socket;
        ssl.setEnabledProtocols(new String[]{protocol});
        sockets.add(ssl);
        return ssl;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
        return pin(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return pin(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return pin(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return pin(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return pin(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return pin(delegate.createSocket(address, port, localAddress, localPort));
    }
}
