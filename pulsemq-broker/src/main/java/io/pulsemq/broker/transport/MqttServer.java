package io.pulsemq.broker.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.mqtt.MqttConnection;
import io.pulsemq.broker.mqtt.MqttServices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * The MQTT listeners: TCP and WebSocket ({@code mqtt} / {@code mqttv3.1} subprotocols), each plain or with
 * TLS first ({@link TlsContexts}). Both pipelines end in the same {@link MqttConnection} handler after Netty's MQTT codec.
 * That handler is in the pipeline from the accept on, so it takes the connection's slot of {@code mqtt.maxConnections}
 * and {@code mqtt.maxConnectionsPerAddress} there (on every listener alike, before a TLS or WebSocket handshake) and
 * closes at once a connection over them by more than their grace ({@link io.pulsemq.broker.limits.ConnectionSlots}).
 */
public final class MqttServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttServer.class);
    private static final String WS_SUBPROTOCOLS = "mqtt,mqttv3.1,mqttv3.1.1";
    /**
     * Outbound bytes buffered per connection (TCP, WebSocket, with or without TLS): above the high mark (2 MiB) the
     * connection counts as slow, so QoS 0 deliveries to it are dropped, and it is no longer read
     * ({@link ReadPause}); below the low mark (1 MiB) it is read again.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1024 * 1024, 2 * 1024 * 1024);

    private final NettyTransport transport;
    private final MqttServices services;
    private final ChannelGroup serverChannels = new DefaultChannelGroup("mqtt-listeners", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup("mqtt-connections", GlobalEventExecutor.INSTANCE);
    private final ReadPauses pauses = new ReadPauses();

    public MqttServer(NettyTransport transport, MqttServices services) {
        this.transport = transport;
        this.services = services;
    }

    /** Binds the plain TCP listener; returns the bound port. */
    public int bindTcp(ListenerConfig listener) throws InterruptedException {
        return bindTcp(listener, null);
    }

    /**
     * Binds a TCP listener; returns the bound port.
     *
     * @param tls the TLS context of each new connection (asked once per connection); null: plain TCP
     */
    public int bindTcp(ListenerConfig listener, Supplier<SslContext> tls) throws InterruptedException {
        return bind(listener, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                ChannelPipeline p = ch.pipeline();
                ProxyProtocol.install(p, listener);
                addTls(p, tls);
                p.addLast("flush", new FlushConsolidationHandler(256, false));
                addMqtt(p);
            }
        });
    }

    /** Binds the plain WebSocket listener on {@code listener.path()}; returns the bound port. */
    public int bindWebSocket(ListenerConfig listener) throws InterruptedException {
        return bindWebSocket(listener, null);
    }

    /**
     * Binds a WebSocket listener on {@code listener.path()}; returns the bound port.
     *
     * @param tls the TLS context of each new connection (asked once per connection); null: plain {@code ws://}
     */
    public int bindWebSocket(ListenerConfig listener, Supplier<SslContext> tls) throws InterruptedException {
        String path = listener.path() == null ? "/mqtt" : listener.path();
        int maxFrame = services.config().mqtt().maxPacketSize() + 8;
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .subprotocols(WS_SUBPROTOCOLS)
                .maxFramePayloadLength(maxFrame)
                .checkStartsWith(false)
                .handshakeTimeoutMillis(services.config().mqtt().connectTimeout().toMillis())
                .build();
        return bind(listener, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                ChannelPipeline p = ch.pipeline();
                ProxyProtocol.install(p, listener);
                addTls(p, tls);
                p.addLast("flush", new FlushConsolidationHandler(256, false));
                p.addLast("http", new HttpServerCodec());
                p.addLast("http-aggregator", new HttpObjectAggregator(8192));
                p.addLast(OriginCheck.HANDLER_NAME, new OriginCheck(listener));
                p.addLast("websocket", new WebSocketServerProtocolHandler(ws));
                p.addLast("websocket-frames", new WebSocketFrames());
                addMqtt(p);
            }
        });
    }

    private static void addTls(ChannelPipeline p, Supplier<SslContext> tls) {
        if (tls != null) {
            p.addLast(TlsContexts.HANDLER_NAME, tls.get().newHandler(p.channel().alloc()));
        }
    }

    private void addMqtt(ChannelPipeline p) {
        p.addLast("mqtt-decoder", new MqttDecoder(services.config().mqtt().maxPacketSize(), 65535));
        p.addLast("mqtt-encoder", MqttEncoder.INSTANCE);
        p.addLast(MqttConnection.HANDLER_NAME, new MqttConnection(services, pauses));
    }

    private int bind(ListenerConfig listener, ChannelInitializer<Channel> initializer) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(transport.acceptGroup(), transport.workerGroup())
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer);
        Channel server = b.bind(listener.host(), listener.port()).sync().channel();
        serverChannels.add(server);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        LOG.debug("MQTT listener bound on {}:{}", listener.host(), port);
        return port;
    }

    /** Stops accepting new connections. */
    public void stopAccepting() {
        serverChannels.close().awaitUninterruptibly();
    }

    /** Backpressure pauses of the MQTT connections. */
    public ReadPauses pauses() {
        return pauses;
    }

    /** Number of open MQTT network connections (connected or still in CONNECT). */
    public int openConnections() {
        return connections.size();
    }

    @Override
    public void close() {
        stopAccepting();
        connections.close().awaitUninterruptibly();
    }

    /** Unwraps binary WebSocket frames into the MQTT byte stream, and wraps outbound bytes. */
    @ChannelHandler.Sharable
    private static final class WebSocketFrames extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {
        @Override
        protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
            out.add(new BinaryWebSocketFrame(msg.retain()));
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
            if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
                out.add(frame.content().retain());
            } else {
                ctx.close(); // MQTT over WebSocket is binary only [MQTT-6.0.0-1]
            }
        }
    }
}
