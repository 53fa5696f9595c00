package io.pulsemq.broker.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The address of the client behind a connection: the one a PROXY protocol header named (see
 * {@link ProxyProtocol}), else the socket's peer. Every place that reports or decides on a client's address
 * (status events, the anonymous loopback check, login throttling, bans) asks here, never
 * {@link Channel#remoteAddress()} directly.
 */
public final class ClientAddress {

    static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("pulsemq.clientAddress");

    private ClientAddress() {
    }

    /**
     * The client's address, or null when the channel has no IP peer (an in-process channel in tests).
     * Thread-safe; the value set by the PROXY header is visible to every handler after the header was read.
     */
    public static InetSocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(PROXIED).get();
        if (proxied != null) {
            return proxied;
        }
        SocketAddress peer = channel.remoteAddress();
        return peer instanceof InetSocketAddress inet ? inet : null;
    }

    /** {@code host:port} of {@link #of(Channel)}, or the channel's own description of its peer. */
    public static String describe(Channel channel) {
        InetSocketAddress a = of(channel);
        if (a == null) {
            return String.valueOf(channel.remoteAddress());
        }
        return (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }
}
