package io.pulsemq.broker.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pulsemq.broker.config.HttpConfig;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.transport.NettyTransport;
import io.pulsemq.broker.transport.ProxyProtocol;
import io.pulsemq.broker.transport.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The HTTP/1.1 listener: health, metrics and the JSON API, on the event loops of the {@link NettyTransport} it is
 * given (the broker's HTTP group, {@code eventLoops.http}, which no MQTT work shares).
 *
 * <p>Requests are read whole (bodies up to {@link Limits#maxContentLength()}), routed by {@link HttpRoutes} and
 * answered in order; keep-alive and pipelining are honoured. Errors are JSON,
 * {@code {"error": "<code>", "message": "..."}}: {@code 404} for an unknown path, {@code 405} (with
 * {@code Allow}) for a known path with another method, {@code 400} for a malformed request, {@code 413} for a
 * body over the limit, {@code 414}/{@code 431} for an over-long request line or headers, {@code 408} for a request
 * whose head did not arrive within {@link Limits#headerTimeout()} of its first byte or whose whole (head and body)
 * did not within {@link Limits#requestTimeout()}, {@code 500} when a handler fails. After a malformed, oversized or late request the connection is closed. Idle connections are closed
 * after {@link Limits#idleTimeout()}. Every limit hit is counted in the {@link LimitHits} given.
 *
 * <p>{@code GET /health} answers {@code 200 {"status":"UP"}} unless the routes define it themselves.
 *
 * <p>Thread-safe. {@link #close()} stops listening and closes open connections; it does not stop the
 * transport's event loops, which belong to the caller.
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final String CODEC = "http-codec";
    private static final String IDLE = "http-idle";

    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HttpServer(Channel serverChannel, ChannelGroup connections) {
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Request size and connection limits.
     *
     * @param maxContentLength     largest request body, in bytes
     * @param maxInitialLineLength longest request line, in bytes
     * @param maxHeaderSize        largest header block, in bytes
     * @param idleTimeout          a connection with no traffic and no request in progress for this long is closed
     * @param maxPipelined         requests a connection may have awaiting answers before reading pauses
     * @param headerTimeout        time a request head has to arrive once its first byte did (slowloris)
     * @param requestTimeout       time a whole request, head and body, has to arrive once its first byte did
     */
    public record Limits(int maxContentLength, int maxInitialLineLength, int maxHeaderSize, Duration idleTimeout,
                         int maxPipelined, Duration headerTimeout, Duration requestTimeout) {

        /** The defaults of {@link HttpConfig}: 1 MiB bodies, 4 KiB request line, 8 KiB headers, 60 s idle, 16 pipelined
         * requests, 10 s for a request head, 30 s for a whole request. */
        public static final Limits DEFAULTS = of(HttpConfig.defaults());

        public Limits {
            if (maxContentLength < 0 || maxInitialLineLength <= 0 || maxHeaderSize <= 0 || maxPipelined <= 0
                    || idleTimeout.isNegative() || idleTimeout.isZero()
                    || headerTimeout.isNegative() || headerTimeout.isZero()
                    || requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("invalid HTTP limits: " + maxContentLength + ", "
                        + maxInitialLineLength + ", " + maxHeaderSize + ", " + idleTimeout + ", " + maxPipelined
                        + ", " + headerTimeout + ", " + requestTimeout);
            }
        }

        /** Limits with the default deadline of a whole request. */
        public Limits(int maxContentLength, int maxInitialLineLength, int maxHeaderSize, Duration idleTimeout,
                      int maxPipelined, Duration headerTimeout) {
            this(maxContentLength, maxInitialLineLength, maxHeaderSize, idleTimeout, maxPipelined, headerTimeout,
                    HttpConfig.DEFAULT_REQUEST_TIMEOUT);
        }

        /** Limits with the default deadlines of a request head and a whole request. */
        public Limits(int maxContentLength, int maxInitialLineLength, int maxHeaderSize, Duration idleTimeout,
                      int maxPipelined) {
            this(maxContentLength, maxInitialLineLength, maxHeaderSize, idleTimeout, maxPipelined,
                    HttpConfig.DEFAULT_HEADER_TIMEOUT);
        }

        /** The limits the {@code http} section configures. */
        public static Limits of(HttpConfig c) {
            return new Limits(c.maxBodySize(), c.maxInitialLineLength(), c.maxHeaderSize(), c.idleTimeout(),
                    c.maxPipelined(), c.headerTimeout(), c.requestTimeout());
        }
    }

    /** Starts with {@link Limits#DEFAULTS}; see {@link #start(ListenerConfig, NettyTransport, HttpRoutes, Limits)}. */
    public static HttpServer start(ListenerConfig listener, NettyTransport transport, HttpRoutes routes)
            throws IOException, InterruptedException {
        return start(listener, transport, routes, Limits.DEFAULTS);
    }

    /**
     * Binds the listener and returns once it accepts connections. {@code routes} is copied: later
     * registrations have no effect.
     *
     * @throws IllegalArgumentException if the listener is disabled (port -1)
     * @throws IOException              if the address cannot be bound (the message names it)
     */
    public static HttpServer start(ListenerConfig listener, NettyTransport transport, HttpRoutes routes, Limits limits)
            throws IOException, InterruptedException {
        return start(listener, transport, routes, limits, null);
    }

    /**
     * Binds the listener, with TLS first in every connection's pipeline when {@code tls} is given (HTTPS); see
     * {@link #start(ListenerConfig, NettyTransport, HttpRoutes, Limits)}.
     *
     * @param tls the TLS context of each new connection (asked once per connection); null: plain HTTP
     */
    public static HttpServer start(ListenerConfig listener, NettyTransport transport, HttpRoutes routes, Limits limits,
                                   Supplier<SslContext> tls) throws IOException, InterruptedException {
        return start(listener, transport, routes, limits, tls, new LimitHits());
    }

    /**
     * Binds the listener as {@link #start(ListenerConfig, NettyTransport, HttpRoutes, Limits, Supplier)} does, counting
     * every limit a connection runs into in {@code hits}.
     */
    public static HttpServer start(ListenerConfig listener, NettyTransport transport, HttpRoutes routes, Limits limits,
                                   Supplier<SslContext> tls, LimitHits hits) throws IOException, InterruptedException {
        if (!listener.enabled()) {
            throw new IllegalArgumentException("HTTP listener is disabled (port -1)");
        }
        Objects.requireNonNull(limits, "limits");
        HttpRoutes.Router router = router(routes);
        ChannelGroup connections = new DefaultChannelGroup("pulsemq-http", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(transport.acceptGroup(), transport.workerGroup())
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ProxyProtocol.install(ch.pipeline(), listener);
                        if (tls != null) {
                            ch.pipeline().addLast(TlsContexts.HANDLER_NAME, tls.get().newHandler(ch.alloc()));
                        }
                        addProtocolHandlers(ch.pipeline(), router, limits, hits);
                    }
                });
        ChannelFuture bound = bootstrap.bind(listener.host(), listener.port()).await();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new IOException("cannot bind the HTTP listener to " + listener.host() + ":" + listener.port()
                    + ": " + cause.getMessage(), cause);
        }
        HttpServer server = new HttpServer(bound.channel(), connections);
        log.info("HTTP listening on {}:{}", listener.host(), server.port);
        return server;
    }

    /** The routing table of a listener: {@code routes}, and {@code GET /health} unless they have their own. */
    static HttpRoutes.Router router(HttpRoutes routes) {
        return routes.snapshot(new HttpRoutes.Route("GET", PathPattern.parse("/health"),
                RouteHandler.of(request -> HttpResponse.json(200, Map.of("status", "UP")))));
    }

    /**
     * Adds what speaks HTTP on a connection, after the transport's handlers (PROXY protocol, TLS): idle timeout,
     * request deadlines (head and whole request), codec, aggregation within {@code limits} and dispatch to {@code router}; limits hit
     * are counted in {@code hits}. Also used by pipeline tests on an
     * embedded channel.
     */
    static void addProtocolHandlers(ChannelPipeline pipeline, HttpRoutes.Router router, Limits limits, LimitHits hits) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineLength())
                .setMaxHeaderSize(limits.maxHeaderSize());
        RequestDeadline deadline = new RequestDeadline(limits.headerTimeout().toNanos(),
                limits.requestTimeout().toNanos(), hits);
        pipeline.addLast(IDLE, new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast(RequestDeadline.RAW, deadline.rawSide())
                .addLast(CODEC, new HttpServerCodec(decoder))
                .addLast(RequestDeadline.DECODED, deadline.decodedSide())
                .addLast(RequestAggregator.NAME, new RequestAggregator(limits.maxContentLength(), hits))
                .addLast(HttpDispatcher.NAME, new HttpDispatcher(router, limits.maxPipelined(), hits));
    }

    /** The bound port (the chosen one when the listener asked for port 0). */
    public int port() {
        return port;
    }

    /** Stops accepting, closes every open connection and waits for both. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }
}
