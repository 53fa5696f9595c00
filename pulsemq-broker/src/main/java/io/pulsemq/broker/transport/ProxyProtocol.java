package io.pulsemq.broker.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.pulsemq.broker.config.ListenerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * PROXY protocol (HAProxy's, versions 1 and 2) on a listener whose {@code proxyProtocol} is set: the first bytes
 * of every connection must be a PROXY header naming the real client, which {@link ClientAddress#of} then answers.
 *
 * <p>A connection whose first bytes are not a valid header is closed. A {@code LOCAL} header (v2, a proxy's own
 * health check) and v1 {@code UNKNOWN} keep the proxy's address. After the header both handlers leave the
 * pipeline, so the protocol behind it (MQTT, WebSocket, HTTP, AMQP, TLS) sees exactly the client's bytes. Once
 * the header is read, {@link Event#HEADER_READ} goes down the pipeline, before any byte behind the header: what is
 * keyed by the client's address but begins at the accept (the MQTT connection slots) learns the address there.
 */
public final class ProxyProtocol {

    /** Name of Netty's header decoder in the pipeline. */
    public static final String DECODER_NAME = "proxy-protocol";
    /** Name of the handler that stores the header's address. */
    public static final String HANDLER_NAME = "proxy-protocol-address";

    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocol.class);

    /** The user events of the PROXY protocol handlers. */
    public enum Event {
        /**
         * The header was read and {@link ClientAddress#of} answers what it named (the proxy's own address for a
         * {@code LOCAL} or {@code UNKNOWN} header); fired once per connection, before the bytes behind the header.
         */
        HEADER_READ
    }

    private ProxyProtocol() {
    }

    /**
     * Whether a connection's pipeline still waits for its PROXY header: then {@link ClientAddress#of} answers the
     * proxy's address, not yet the client's, until {@link Event#HEADER_READ}.
     */
    public static boolean awaitingHeader(ChannelPipeline pipeline) {
        return pipeline.get(HANDLER_NAME) != null;
    }

    /**
     * Puts the PROXY header handlers at the front of {@code pipeline} when {@code listener.proxyProtocol()} is
     * set; does nothing otherwise. Call it from the channel initializer after the rest of the pipeline is built
     * (or before: it always goes first, in front of TLS too).
     */
    public static void install(ChannelPipeline pipeline, ListenerConfig listener) {
        if (!listener.proxyProtocol()) {
            return;
        }
        pipeline.addFirst(HANDLER_NAME, new HeaderHandler());
        pipeline.addFirst(DECODER_NAME, new HAProxyMessageDecoder());
    }

    /** The address a header names, or null for LOCAL / UNKNOWN headers and anything that is not an IP. */
    static InetSocketAddress clientOf(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY || header.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN
                || header.sourceAddress() == null) {
            return null;
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
        if (ip == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), header.sourcePort());
        } catch (java.net.UnknownHostException e) {
            return null; // unreachable: the array has an IPv4 or IPv6 length
        }
    }

    /** Stores the header's address on the channel, then leaves the pipeline. */
    private static final class HeaderHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                // the decoder passes nothing else before a header; anything here means it gave up
                ctx.close();
                return;
            }
            try {
                InetSocketAddress client = clientOf(header);
                if (client != null) {
                    ctx.channel().attr(ClientAddress.PROXIED).set(client);
                }
            } finally {
                header.release();
            }
            ctx.fireUserEventTriggered(Event.HEADER_READ);
            ctx.pipeline().remove(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection from {} sent no valid PROXY header: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }
}
