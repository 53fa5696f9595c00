package io.pulsemq.broker.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.pulsemq.broker.config.ListenerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The WebSocket listeners' {@code Origin} check, in front of the upgrade: browsers send {@code Origin} with every
 * WebSocket handshake, so checking it keeps a web page of another site from connecting through its visitor's
 * browser (which may sit on the broker's host, where anonymous loopback connections are allowed).
 *
 * <p>The decision ({@link #allows}): no {@code Origin} header (a non-browser client) is allowed; {@code *} in
 * {@code allowedOrigins} allows every origin; a listed origin (scheme, host and port, compared
 * case-insensitively, default ports filled in) is allowed; with an empty list an origin whose host and port
 * equal the request's {@code Host} is allowed. Anything else is answered {@code 403 Forbidden} and closed.
 * After the first allowed request the handler leaves the pipeline.
 */
public final class OriginCheck extends ChannelInboundHandlerAdapter {

    /** Name of this handler in the pipeline. */
    public static final String HANDLER_NAME = "websocket-origin";

    private static final Logger LOG = LoggerFactory.getLogger(OriginCheck.class);

    private final boolean any;
    private final Set<String> allowed;

    /** A check for {@code listener}'s {@code allowedOrigins}. */
    public OriginCheck(ListenerConfig listener) {
        List<String> origins = listener.allowedOrigins();
        this.any = origins.contains("*");
        this.allowed = origins.stream().map(OriginCheck::normalize).filter(o -> o != null)
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Whether a handshake with these headers may proceed.
     *
     * @param origin the {@code Origin} header, or null
     * @param host   the {@code Host} header, or null
     */
    public boolean allows(String origin, String host) {
        if (origin == null || any) {
            return true;
        }
        String normalized = normalize(origin);
        if (normalized == null) {
            return false; // "null" (sandboxed pages, file:) or garbage
        }
        if (!allowed.isEmpty()) {
            return allowed.contains(normalized);
        }
        return host != null && sameHost(normalized, host);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (allows(origin, request.headers().get(HttpHeaderNames.HOST))) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        LOG.info("WebSocket handshake from {} refused: origin {} is not allowed", ClientAddress.describe(ctx.channel()),
                origin);
        FullHttpResponse forbidden = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN,
                Unpooled.copiedBuffer("origin not allowed\n", StandardCharsets.US_ASCII));
        forbidden.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, forbidden.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(forbidden).addListener(ChannelFutureListener.CLOSE);
    }

    /** {@code scheme://host:port} in lower case with the scheme's default port filled in; null if not an origin. */
    static String normalize(String origin) {
        try {
            URI uri = new URI(origin.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return null;
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(scheme);
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean sameHost(String normalizedOrigin, String hostHeader) {
        URI origin = URI.create(normalizedOrigin);
        URI host;
        try {
            host = new URI(origin.getScheme() + "://" + hostHeader.trim());
        } catch (URISyntaxException e) {
            return false;
        }
        if (host.getHost() == null) {
            return false;
        }
        int hostPort = host.getPort() >= 0 ? host.getPort() : defaultPort(origin.getScheme());
        return origin.getHost().equalsIgnoreCase(host.getHost()) && origin.getPort() == hostPort;
    }

    private static int defaultPort(String scheme) {
        return switch (scheme) {
            case "https", "wss" -> 443;
            default -> 80;
        };
    }
}
