package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pulsemq.broker.auth.AuthResult;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.CertificateBinding;
import io.pulsemq.broker.auth.ClientCertificate;
import io.pulsemq.broker.auth.ConnectCredentials;
import io.pulsemq.broker.authz.Identity;
import io.pulsemq.broker.authz.Permissions;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.limits.ConnectionSlots;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.Slots;
import io.pulsemq.broker.limits.Throttle;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.session.Admission;
import io.pulsemq.broker.session.ClientConnection;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.store.OrderedAcks;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.Topics;
import io.pulsemq.broker.transport.ClientAddress;
import io.pulsemq.broker.transport.ProxyProtocol;
import io.pulsemq.broker.transport.ReadPause;
import io.pulsemq.broker.transport.ReadPauses;
import io.pulsemq.broker.transport.TlsContexts;
import io.pulsemq.protocol.DisconnectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One MQTT connection: the last handler of an MQTT pipeline (TCP or WebSocket), after Netty's
 * {@code MqttDecoder} and {@code MqttEncoder}. It owns the connection's protocol state (version,
 * keep-alive, topic aliases, flow-control limits) on its event loop, decides what each packet means
 * and hands session and routing work to the {@link SessionRegistry}, the {@link Session} and the router.
 *
 * <p>Threading: inbound packets run on the channel's event loop. Other threads deliver messages
 * through {@link #sendPublish}, which writes an {@link OutboundPublish} to the channel; the
 * conversion to a PUBLISH (topic alias choice) happens in {@link #write} on the event loop.
 *
 * <p>Backpressure: while more outbound bytes wait than the channel's high-water mark, the connection is not read
 * ({@link ReadPause}), so whatever the client sends that the broker answers (PUBLISH, PINGREQ, SUBSCRIBE) stays in
 * the client's socket until it reads; QoS 0 deliveries towards it are dropped meanwhile ({@link #congested()}), QoS 1
 * and 2 ones wait in its session (in flight up to the window, then queued up to {@code mqtt.maxQueuedMessages}).
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements ClientConnection {

    /** Name of this handler in the pipeline. */
    public static final String HANDLER_NAME = "mqtt-connection";
    /** QoS 0 deliveries waiting for the event loop beyond which new ones are dropped (with the channel's water mark). */
    private static final int MAX_QUEUED_QOS0 = 4096;
    /** Acknowledgements waiting for store writes beyond which the connection is not read until they have gone out. */
    static final int MAX_WAITING_ACKS = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final String KEEP_ALIVE_HANDLER = "mqtt-keepalive";
    /**
     * How long a connection the broker ends keeps reading (and discarding) the client's input after its last
     * packet, so the client reads that packet instead of a TCP reset; the client closing ends it sooner.
     */
    private static final long LAST_PACKET_DRAIN_MS = 2000;
    /** Set by Netty's MqttDecoder when it reads CONNECT; the MqttEncoder reads it too. */
    private static final AttributeKey<MqttVersion> CODEC_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private enum State { AWAIT_CONNECT, CONNECTED, CLOSED }

    /** Packets read while the session is claimed from another node, handled once it is here; null otherwise. */
    private ArrayDeque<Object> held;

    /** The trace reason of a CONNECT refused by a connection limit. */
    static final String QUOTA_EXCEEDED = "quota_exceeded";
    /** The trace reason of a CONNECT refused by {@code mqtt.connectRate}. */
    static final String CONNECTION_RATE_EXCEEDED = "connection_rate_exceeded";

    private final MqttServices services;
    private final MqttConfig limits;
    private final ConnectNegotiator negotiator;
    private final ReadPauses pauses;
    private final String connectionId = newConnectionId();
    /** The first reason the connection ended for; set once from any thread. */
    private final AtomicReference<DisconnectReason> endReason = new AtomicReference<>();
    /**
     * Packets the session sends (PUBLISH, PUBREL), in the order it decided them under its lock, from any thread;
     * the event loop writes them in that order and flushes once per drain. Writing from the deciding thread
     * instead would let a packet decided later on this loop overtake one handed over earlier from another.
     */
    private final Queue<Object> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicInteger outboundQueued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private ChannelHandlerContext ctx;
    private Channel channel;
    private ReadPause readPause;
    /** PUBACK, PUBREC, PUBCOMP, SUBACK and UNSUBACK, in order, each once what its packet wrote is stored. */
    private OrderedAcks acks;
    private State state = State.AWAIT_CONNECT;
    private ScheduledFuture<?> connectTimeout;
    private boolean connAckSent;
    /** Set once the broker has written its last packet (DISCONNECT or a refusing CONNACK): input is discarded. */
    private boolean lastPacketWritten;

    private ProtocolVersion version;
    private String clientId;
    /** The certificate the client presented in its TLS handshake, read at CONNECT; null: none, or plain. */
    private ClientCertificate certificate;
    private Session session;
    private boolean clientSentDisconnect;
    private boolean publishWillOnEnd = true;
    private long sessionExpiry;
    /** What this connection may publish and subscribe to; decided once at CONNECT. */
    private Permissions permissions = Permissions.ALLOW_ALL;

    private volatile int sendWindow = 65535;
    private volatile int clientMaxPacketSize;
    private int clientTopicAliasMax;
    private Map<String, Integer> outboundAliases;
    private String[] inboundAliases;

    /** This connection's slot of {@link MqttServices#slots()}, taken at the accept, given back at the close. */
    private ConnectionSlots<InetAddress>.Slot slot;
    /** {@code mqtt.maxPublishRate} and {@code mqtt.maxPublishBytesRate} of this connection's input. */
    private final Throttle publishRate;
    private final Throttle publishBytesRate;
    private ScheduledFuture<?> throttleEnd;

    /**
     * @param services the broker's services
     * @param pauses   where this connection's backpressure pauses are counted
     */
    public MqttConnection(MqttServices services, ReadPauses pauses) {
        this.services = services;
        this.pauses = pauses;
        this.limits = services.config().mqtt();
        this.negotiator = new ConnectNegotiator(services.config(), MqttConnection::newAssignedClientId);
        this.publishRate = new Throttle(limits.maxPublishRate());
        this.publishBytesRate = new Throttle(limits.maxPublishBytesRate());
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.readPause = new ReadPause(channel, pauses);
        this.acks = new OrderedAcks(services.writes(), ctx.executor(), ctx::flush,
                () -> readPause.resume(ReadPause.Reason.ACKS_WAITING));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!lastPacketWritten) { // after the last packet, input is only discarded: nothing to hold back
            readPause.followWritability();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // The connection limits count sockets from their accept: one that never sends CONNECT holds a slot too.
        // Behind a PROXY header the client's address is known once the header is read (HEADER_READ).
        slot = services.slots().accept(ProxyProtocol.awaitingHeader(ctx.pipeline()) ? null : remoteIp());
        if (overLimit(Slots.Outcome.ADMITTED)) {
            return; // shed: closed before anything is read
        }
        long timeoutMs = limits.connectTimeout().toMillis();
        connectTimeout = ctx.executor().schedule(() -> {
            if (state == State.AWAIT_CONNECT) {
                LOG.debug("{}: no CONNECT within {} ms", remote(), timeoutMs);
                ctx.close();
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (throttleEnd != null) {
            throttleEnd.cancel(false);
        }
        releaseSlot();
        acks.close();
        if (state == State.CONNECTED) {
            endReason.compareAndSet(null, DisconnectReason.CONNECTION_LOST);
            DisconnectReason reason = endReason.get();
            services.sessions().disconnected(clientId, this, clientSentDisconnect, reason, publishWillOnEnd);
        }
        state = State.CLOSED;
        readPause.ended();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ProxyProtocol.Event.HEADER_READ && slot != null) {
            Slots.Outcome before = slot.outcome();
            slot.identify(remoteIp()); // counted for the client's address from now on
            overLimit(before);
        }
        if (evt instanceof IdleStateEvent) {
            if (readPause.heldByBroker()) {
                return; // the broker is not reading: silence is its own doing, not the client's
            }
            // [MQTT-3.1.2-22]: nothing for 1.5 x keep-alive
            LOG.debug("{}: keep-alive timeout", clientId);
            closeWith(DisconnectReason.KEEPALIVE_TIMEOUT, (byte) 0x8D);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("{}: {}", remote(), cause.toString());
            endReason.compareAndSet(null, DisconnectReason.CONNECTION_LOST);
        } else {
            LOG.warn("{}: closing after unexpected error", remote(), cause);
            endReason.compareAndSet(null, DisconnectReason.PROTOCOL_ERROR);
        }
        ctx.close();
    }

    // ---- inbound -----------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof MqttMessage) || state == State.CLOSED || lastPacketWritten) {
                return;
            }
            MqttMessage packet = (MqttMessage) msg;
            DecoderResult result = packet.decoderResult();
            if (result != null && result.isFailure()) {
                onDecodeFailure(result.cause());
                return;
            }
            MqttMessageType type = packet.fixedHeader().messageType();
            if (state == State.AWAIT_CONNECT) {
                if (type == MqttMessageType.CONNECT) {
                    onConnect((MqttConnectMessage) packet);
                } else {
                    ctx.close(); // [MQTT-3.1.0-1]: CONNECT must come first
                }
                return;
            }
            if (held != null) { // the session is on its way from another node
                held.add(ReferenceCountUtil.retain(msg));
                return;
            }
            switch (type) {
                case PUBLISH:
                    onPublish((MqttPublishMessage) packet);
                    break;
                case PUBACK:
                    session.onPubAck(packetId(packet));
                    break;
                case PUBREC:
                    onPubRec(packet);
                    break;
                case PUBREL:
                    onPubRel(packet);
                    break;
                case PUBCOMP:
                    session.onPubComp(packetId(packet));
                    break;
                case SUBSCRIBE:
                    onSubscribe((MqttSubscribeMessage) packet);
                    break;
                case UNSUBSCRIBE:
                    onUnsubscribe((MqttUnsubscribeMessage) packet);
                    break;
                case PINGREQ:
                    ctx.writeAndFlush(MqttMessages.PINGRESP, ctx.voidPromise());
                    break;
                case DISCONNECT:
                    onDisconnect(packet);
                    break;
                case CONNECT:
                    protocolError(Refusal.PROTOCOL_ERROR, "second CONNECT"); // [MQTT-3.1.0-2]
                    break;
                default:
                    protocolError(Refusal.PROTOCOL_ERROR, "unexpected " + type);
                    break;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** One place maps every decode failure to its reason code and closes the connection. */
    private void onDecodeFailure(Throwable cause) {
        if (state == State.AWAIT_CONNECT) {
            ProtocolVersion v = ProtocolVersion.ofLevel(codecVersion().protocolLevel());
            version = v == null ? ProtocolVersion.MQTT_3_1_1 : v;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                refuseConnect(Refusal.UNSUPPORTED_PROTOCOL_VERSION, cause.getMessage());
            } else if (cause instanceof MqttIdentifierRejectedException) {
                refuseConnect(Refusal.CLIENT_ID_REJECTED, cause.getMessage());
            } else if (cause instanceof TooLongFrameException && version.hasProperties()) {
                refuseConnect(Refusal.PACKET_TOO_LARGE, cause.getMessage());
            } else if (version.hasProperties()) {
                refuseConnect(Refusal.MALFORMED_PACKET, cause.getMessage());
            } else {
                LOG.debug("{}: malformed CONNECT: {}", remote(), cause.getMessage());
                ctx.close();
            }
            return;
        }
        if (cause instanceof TooLongFrameException) {
            protocolError(Refusal.PACKET_TOO_LARGE, cause.getMessage());
        } else {
            protocolError(Refusal.MALFORMED_PACKET, cause.getMessage());
        }
    }

    private void onConnect(MqttConnectMessage connect) {
        connectTimeout.cancel(false);
        long now = services.clock().millis();
        certificate = TlsContexts.peerCertificate(channel);
        ConnectNegotiator.Decision decision = negotiator.decide(connect, now);
        version = ProtocolVersion.ofLevel(connect.variableHeader().version());
        if (version == null) {
            version = ProtocolVersion.MQTT_3_1_1;
        }
        String presentedId = connect.payload().clientIdentifier() == null ? "" : connect.payload().clientIdentifier();
        // The limits come first: they are the cheapest checks, and they are what a flood of CONNECTs runs into.
        if (!admit(presentedId, connect, now)) {
            return;
        }
        if (decision.refusal() != null) {
            if (decision.limit() != null) {
                services.limitHits().hit(decision.limit());
            }
            reject(presentedId, connect, now, DisconnectReason.PROTOCOL_ERROR, decision.refusal(), decision.detail());
            return;
        }
        ConnectNegotiator.Negotiated n = decision.granted();
        Optional<Ban> ban = services.guard().banned(n.clientId(), connect.payload().userName(), remoteIp());
        if (ban.isPresent()) {
            rejectBanned(n.clientId(), connect, now, ban.get());
            return;
        }
        AuthResult auth = services.authenticator().authenticate(new ConnectCredentials(n.clientId(),
                connect.payload().userName(), connect.payload().passwordInBytes(), remoteAddress()));
        if (!auth.accepted()) {
            LOG.info("{}: CONNECT of {} refused: {}", remote(), n.clientId(), auth.detail());
            Refusal refusal = auth.outcome() == AuthResult.Outcome.BAD_CREDENTIALS
                    ? Refusal.BAD_CREDENTIALS : Refusal.NOT_AUTHORIZED;
            Duration delay = services.guard().failed(remoteIp(), n.clientId());
            if (delay.isZero()) {
                reject(n.clientId(), connect, now, DisconnectReason.NOT_AUTHORIZED, refusal, auth.detail());
            } else {
                // throttled: the refusal waits on this event loop; nothing more is read meanwhile
                readPause.pause(ReadPause.Reason.LOGIN_THROTTLE);
                ctx.executor().schedule(() -> reject(n.clientId(), connect, now, DisconnectReason.NOT_AUTHORIZED,
                        refusal, auth.detail()), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        Optional<String> unbound = CertificateBinding.refusal(services.config().tls(), certificate, n.clientId());
        if (unbound.isPresent()) {
            // valid credentials, but the certificate names another device or group (tls.bindClientId)
            LOG.info("{}: CONNECT of {} refused: {}", remote(), n.clientId(), unbound.get());
            reject(n.clientId(), connect, now, DisconnectReason.NOT_AUTHORIZED, Refusal.NOT_AUTHORIZED, unbound.get());
            return;
        }
        services.guard().succeeded(n.clientId());
        Optional<Ban> flapping = services.guard().connected(n.clientId());
        if (flapping.isPresent()) {
            rejectBanned(n.clientId(), connect, now, flapping.get());
            return;
        }
        Permissions granted = services.authorizer().permissionsFor(new Identity(n.clientId(), n.username(),
                auth.key() == null ? null : auth.key().id()));
        if (n.will() != null && !granted.mayPublish(n.will().message().topic(), n.will().message().retain())) {
            // the will is a PUBLISH the broker makes for the client: it needs the same permission
            LOG.info("{}: CONNECT of {} refused: will topic not authorized", remote(), n.clientId());
            reject(n.clientId(), connect, now, DisconnectReason.NOT_AUTHORIZED, Refusal.NOT_AUTHORIZED,
                    "will topic " + n.will().message().topic() + " not authorized");
            return;
        }
        Admission admission = services.sessions().admission();
        if (admission != Admission.OPEN) {
            // not recorded in the trace: the log is what cannot keep up, or cannot write at all
            boolean busy = admission == Admission.BUSY;
            refuseConnect(busy ? Refusal.SERVER_BUSY : Refusal.SERVER_UNAVAILABLE,
                    busy ? "status log backlog" : "the status log cannot write");
            return;
        }

        clientId = n.clientId();
        permissions = granted;
        sessionExpiry = n.sessionExpiry();
        sendWindow = n.clientReceiveMaximum();
        clientMaxPacketSize = n.clientMaxPacketSize();
        clientTopicAliasMax = n.clientTopicAliasMaximum();
        state = State.CONNECTED;

        ConnectionInfo info = new ConnectionInfo(clientId, connectionId, remote(), version.level, n.keepAlive(),
                n.cleanStart(), n.username(), now, serial(certificate));
        CompletableFuture<Void> claimed = services.sessions().claim(info).toCompletableFuture();
        if (claimed.isDone()) {
            attach(n, info);
            return;
        }
        // a cluster node brings the client's session from the node that has it: what the client sends meanwhile
        // waits, read already (held here) or not yet read (reading pauses)
        held = new ArrayDeque<>();
        readPause.pause(ReadPause.Reason.SESSION_CLAIM);
        claimed.whenComplete((ignored, error) -> ctx.executor().execute(() -> {
            readPause.resume(ReadPause.Reason.SESSION_CLAIM);
            ArrayDeque<Object> waiting = held;
            held = null;
            if (state == State.CONNECTED && endReason.get() == null && ctx.channel().isActive()) {
                attach(n, info);
                while (!waiting.isEmpty()) {
                    channelRead(ctx, waiting.poll());
                }
            } else {
                waiting.forEach(ReferenceCountUtil::release);
            }
        }));
    }

    /** Attaches the connection to its session and sends the CONNACK once its start is recorded. */
    private void attach(ConnectNegotiator.Negotiated n, ConnectionInfo info) {
        long mark = acks.mark();
        SessionRegistry.ConnectResult result = services.sessions().connect(info, this, n.sessionExpiry(), n.will());
        session = result.session();
        CompletableFuture<?> stored = storedSince(mark);
        if (n.keepAlive() > 0) {
            // [MQTT-3.1.2-22]: nothing received for one and a half times the keep-alive ends the connection
            ctx.pipeline().addBefore(ctx.name(), KEEP_ALIVE_HANDLER,
                    new IdleStateHandler(n.keepAlive() * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        }
        // The CONNACK waits until the connection's start is recorded (its status event is durable) and the session
        // it resumes or starts is stored.
        CompletableFuture<Void> both = CompletableFuture.allOf(result.recorded().toCompletableFuture(), stored);
        both.whenComplete((ignored, error) -> ctx.executor().execute(() -> {
            if (error != null) {
                // never durable, so it never happened: no CONNACK, no end event, the client may retry
                LOG.warn("{}: CONNECT of {} refused: its connection could not be recorded ({})", remote(), clientId,
                        (error instanceof CompletionException ? error.getCause() : error).getMessage());
                services.sessions().abandon(clientId, this);
                refuseConnect(Refusal.SERVER_UNAVAILABLE, "the status log cannot write");
                return;
            }
            sendConnAck(n, result.sessionPresent());
        }));
    }

    private void sendConnAck(ConnectNegotiator.Negotiated n, boolean sessionPresent) {
        if (state != State.CONNECTED || endReason.get() != null) {
            return; // ended before it was acknowledged (taken over, kicked, closed)
        }
        ctx.write(connAck(n, sessionPresent), ctx.voidPromise());
        connAckSent = true;
        session.resume();
        ctx.flush();
        LOG.debug("{} connected from {} (v{}, session present {})", clientId, remote(), version.level, sessionPresent);
    }

    /** Refuses a banned client's CONNECT (v5 0x8A, 3.1.1 return code 5); its trace says why. */
    private void rejectBanned(String clientId, MqttConnectMessage connect, long now, Ban ban) {
        LOG.info("{}: CONNECT of {} refused: banned ({} {}: {})", remote(), clientId, ban.kind().wireName(),
                ban.value(), ban.reason());
        reject(clientId, connect, now, DisconnectReason.NOT_AUTHORIZED, Refusal.BANNED,
                "banned (" + ban.kind().wireName() + " " + ban.value() + "): " + ban.reason());
    }

    private static String serial(ClientCertificate certificate) {
        return certificate == null ? null : certificate.serialHex();
    }

    /**
     * Refuses the CONNECT of a connection accepted over {@code mqtt.maxConnections} or
     * {@code mqtt.maxConnectionsPerAddress} (v5 0x97, 3.1.x return code 3), else takes a connect permit of
     * {@code mqtt.connectRate} or refuses (v5 0x9F, 3.1.x return code 3); a refusal is recorded in the client's
     * trace.
     *
     * @return whether the connection may go on
     */
    private boolean admit(String presentedId, MqttConnectMessage connect, long now) {
        if (slot.outcome() != Slots.Outcome.ADMITTED) {
            // counted in pulsemq_limit_hits_total when it went over, at the accept
            rejectAs(presentedId, connect, now, Refusal.QUOTA_EXCEEDED, QUOTA_EXCEEDED, overLimitDetail());
            return false;
        }
        if (!services.connectRate().tryAcquire(TimeUnit.MILLISECONDS.toNanos(now))) {
            services.limitHits().hit(Limit.MQTT_CONNECT_RATE);
            rejectAs(presentedId, connect, now, Refusal.CONNECTION_RATE_EXCEEDED, CONNECTION_RATE_EXCEEDED,
                    "more than mqtt.connectRate (" + limits.connectRate() + "/s, burst " + limits.connectBurst()
                            + ") CONNECTs");
            return false;
        }
        return true;
    }

    /**
     * Counts the slot in {@code pulsemq_limit_hits_total} if it went over a connection limit since it was
     * {@code before} (once per connection), and closes the connection, unread and unanswered, if it is shed: over
     * the limit by more than its grace ({@link ConnectionSlots}).
     *
     * @return whether the connection was shed
     */
    private boolean overLimit(Slots.Outcome before) {
        Slots.Outcome now = slot.outcome();
        if (before == Slots.Outcome.ADMITTED && now != Slots.Outcome.ADMITTED) {
            services.limitHits().hit(now == Slots.Outcome.OVER_TOTAL
                    ? Limit.MQTT_MAX_CONNECTIONS : Limit.MQTT_MAX_CONNECTIONS_PER_ADDRESS);
        }
        if (!slot.shed()) {
            return false;
        }
        LOG.debug("{}: closed at once, over the grace of {}", remote(), overLimitDetail());
        state = State.CLOSED;
        ctx.close();
        return true;
    }

    /** Which connection limit the slot is over, for the trace and the log. */
    private String overLimitDetail() {
        if (slot.outcome() == Slots.Outcome.OVER_TOTAL) {
            return "mqtt.maxConnections (" + limits.maxConnections() + ") connections are open";
        }
        return "mqtt.maxConnectionsPerAddress (" + limits.maxConnectionsPerAddress() + ") connections are open from "
                + remoteIp().getHostAddress();
    }

    /** Gives the connection slot back; later calls do nothing. */
    private void releaseSlot() {
        if (slot != null) {
            slot.release();
        }
    }

    private InetAddress remoteIp() {
        InetSocketAddress a = remoteAddress();
        return a == null ? null : a.getAddress();
    }

    /** Refuses a CONNECT and reports the attempt for the client's trace. */
    private void reject(String attemptedId, MqttConnectMessage connect, long now, DisconnectReason reason, Refusal refusal,
                        String detail) {
        rejectAs(attemptedId, connect, now, refusal, reason.wireName(), detail);
    }

    /** Refuses a CONNECT and reports the attempt for the client's trace with {@code traceReason} (a limit's own). */
    private void rejectAs(String attemptedId, MqttConnectMessage connect, long now, Refusal refusal,
                          String traceReason, String detail) {
        services.sessions().rejected(new ConnectionInfo(attemptedId, connectionId, remote(), version.level,
                connect.variableHeader().keepAliveTimeSeconds(), connect.variableHeader().isCleanSession(),
                connect.payload().userName(), now, serial(certificate)), traceReason, detail);
        refuseConnect(refusal, detail);
    }

    private MqttConnAckMessage connAck(ConnectNegotiator.Negotiated n, boolean sessionPresent) {
        MqttMessageBuilders.ConnAckBuilder b = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                .sessionPresent(sessionPresent);
        if (version.hasProperties()) {
            b.properties(p -> {
                p.receiveMaximum(limits.receiveMaximum())
                        .maximumPacketSize(limits.maxPacketSize())
                        .topicAliasMaximum(limits.topicAliasMaximum())
                        .retainAvailable(limits.retainAvailable())
                        .wildcardSubscriptionAvailable(limits.wildcardSubscriptionAvailable())
                        .sharedSubscriptionAvailable(limits.sharedSubscriptionAvailable())
                        .subscriptionIdentifiersAvailable(true);
                if (n.assignedClientId()) {
                    p.assignedClientId(n.clientId());
                }
                if (n.serverKeepAlive()) {
                    p.serverKeepAlive(n.keepAlive());
                }
                if (n.expiryCapped()) {
                    p.sessionExpiryInterval(n.sessionExpiry());
                }
            });
        }
        return b.build();
    }

    private void refuseConnect(Refusal refusal, String detail) {
        LOG.debug("{}: CONNECT refused ({}): {}", remote(), refusal, detail);
        byte code = version.connAckCode(refusal);
        state = State.CLOSED;
        if (code == Refusal.NO_V3_CODE) {
            ctx.close(); // MQTT 3.1.x has no return code for it: close without CONNACK
            return;
        }
        MqttConnAckMessage ack = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.valueOf(code))
                .sessionPresent(false) // [MQTT-3.2.2-6]
                .build();
        writeLastAndClose(ack);
    }

    private void onPublish(MqttPublishMessage publish) {
        MqttFixedHeader fixed = publish.fixedHeader();
        int qos = fixed.qosLevel().value();
        int packetId = publish.variableHeader().packetId();
        throttle(publish.content().readableBytes());
        MqttProperties props = version.hasProperties() ? publish.variableHeader().properties() : MqttProperties.NO_PROPERTIES;
        String topic = resolveTopicAlias(publish.variableHeader().topicName(), props);
        if (topic == null) {
            return; // closed by resolveTopicAlias
        }
        Topics.Check check = Topics.checkTopicName(topic, limits.maxTopicLevels(), limits.maxTopicLength());
        if (check == Topics.Check.INVALID) {
            protocolError(Refusal.TOPIC_NAME_INVALID, "invalid topic name");
            return;
        }
        if (check != Topics.Check.VALID) {
            refuseTopic(qos, packetId, check);
            return;
        }
        if (qos == 0 && fixed.isDup()) {
            protocolError(Refusal.MALFORMED_PACKET, "DUP set on a QoS 0 PUBLISH"); // [MQTT-3.3.1-2]
            return;
        }
        if (props.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER) != null) {
            protocolError(Refusal.PROTOCOL_ERROR, "Subscription Identifier from a client"); // [MQTT-3.3.4-6]
            return;
        }
        if (fixed.isRetain() && !limits.retainAvailable()) {
            protocolError(Refusal.RETAIN_NOT_SUPPORTED, "retain is not available"); // [MQTT-3.3.1-11]
            return;
        }
        if (qos == 2 && !fixed.isDup() && session.inboundQos2Count() >= limits.receiveMaximum()) {
            protocolError(Refusal.RECEIVE_MAXIMUM_EXCEEDED, "more than Receive Maximum QoS 2 publishes"); // [MQTT-3.3.4-7]
            return;
        }
        if (!permissions.mayPublish(topic, fixed.isRetain())) {
            denyPublish(qos, packetId, topic);
            return;
        }
        ByteBuf content = publish.content();
        byte[] payload = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), payload);
        Message message = MqttMessages.toMessage(topic, qos, fixed.isRetain(), payload, props, clientId,
                services.clock().millis());
        // Over the retained limits, a v5 client with QoS 1 or 2 is told (0x97 Quota exceeded) and nothing happens;
        // the others cannot be told, so their message is delivered all the same, just not retained.
        boolean answerable = qos > 0 && version.hasProperties();
        Router.WhenNotRetained whenNotRetained = answerable ? Router.WhenNotRetained.DROP : Router.WhenNotRetained.DELIVER;
        long mark = qos > 0 ? acks.mark() : 0; // QoS 0 is not acknowledged
        switch (qos) {
            case 0:
                services.router().publish(message, whenNotRetained);
                break;
            case 1: {
                boolean kept = services.router().publish(message, whenNotRetained);
                byte code = kept || !answerable ? 0 : Refusal.QUOTA_EXCEEDED.v5Code;
                pubReply(mark, MqttMessageType.PUBACK, packetId, code); // once stored wherever it went
                break;
            }
            default: {
                byte code = 0;
                if (!session.awaitsRelease(packetId)) {
                    // routed (and stored where it went) before its ID is recorded: a store error loses nothing
                    if (services.router().publish(message, whenNotRetained) || !answerable) {
                        session.recordInboundQos2(packetId);
                    } else {
                        code = Refusal.QUOTA_EXCEEDED.v5Code; // a PUBREC of 0x80 or more ends the exchange [MQTT-4.3.3]
                    }
                } // else a retransmission: already routed [MQTT-4.3.3-10]
                pubReply(mark, MqttMessageType.PUBREC, packetId, code);
                break;
            }
        }
        if (services.writes().congested()) {
            pauseForStore();
        }
    }

    /** Sends a PUBACK, PUBREC or PUBCOMP in order, once the writes since {@code mark} are stored. */
    private void pubReply(long mark, MqttMessageType type, int packetId, byte code) {
        if (acks.sendsAtOnce(mark)) { // the common case (nothing written, nothing waiting): no task to allocate
            ctx.writeAndFlush(MqttMessages.pubReply(type, packetId, code), ctx.voidPromise());
            return;
        }
        acks.send(mark, () -> ctx.write(MqttMessages.pubReply(type, packetId, code), ctx.voidPromise()));
        if (acks.waiting() >= MAX_WAITING_ACKS) {
            readPause.pause(ReadPause.Reason.ACKS_WAITING); // lifted by the acks once none waits
        }
    }

    /** A future completed once the writes this thread handed over since {@code mark} are stored. */
    private CompletableFuture<?> storedSince(long mark) {
        if (acks.mark() == mark) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> stored = new CompletableFuture<>();
        services.writes().afterWrites(() -> stored.complete(null));
        return stored;
    }

    /**
     * The store's writer is behind (a write stall, a full disk): this connection stops being read until it catches
     * up, so that what it sends waits in its own socket rather than in the broker's memory.
     */
    private void pauseForStore() {
        if (readPause.holds(ReadPause.Reason.STORE_CONGESTED)) {
            return;
        }
        readPause.pause(ReadPause.Reason.STORE_CONGESTED);
        services.writes().whenUncongested(() -> {
            try {
                ctx.executor().execute(() -> readPause.resume(ReadPause.Reason.STORE_CONGESTED));
            } catch (RejectedExecutionException stopping) {
                // the loop is shutting down: the connection is gone with it
            }
        });
    }

    /**
     * Accounts one inbound PUBLISH against {@code mqtt.maxPublishRate} and {@code mqtt.maxPublishBytesRate}. Beyond
     * them the connection is not refused but slowed down: reading stops for as long as the rate needs (TCP then
     * pushes back on the client) and resumes by itself; nothing is lost.
     */
    private void throttle(int payloadBytes) {
        if (!publishRate.limited() && !publishBytesRate.limited()) {
            return;
        }
        long now = TimeUnit.MILLISECONDS.toNanos(services.clock().millis());
        long byCount = publishRate.take(1, now);
        long byBytes = publishBytesRate.take(payloadBytes, now);
        long pause = Math.max(byCount, byBytes);
        if (pause <= 0) {
            return;
        }
        if (!readPause.holds(ReadPause.Reason.PUBLISH_RATE)) {
            services.limitHits().hit(byCount >= byBytes ? Limit.MQTT_MAX_PUBLISH_RATE : Limit.MQTT_MAX_PUBLISH_BYTES_RATE);
            readPause.pause(ReadPause.Reason.PUBLISH_RATE);
        } else {
            throttleEnd.cancel(false); // a packet of the same read: the pause grows
        }
        throttleEnd = ctx.executor().schedule(() -> readPause.resume(ReadPause.Reason.PUBLISH_RATE), pause,
                TimeUnit.NANOSECONDS);
    }

    /**
     * Acts on a well-formed topic over {@code mqtt.maxTopicLevels} or {@code mqtt.maxTopicLength}: not routed, counted.
     * A v5 QoS 1 or 2 PUBLISH is answered 0x90 Topic Name invalid (the topic is "not accepted by this Server");
     * where there is no acknowledgement to say it in (QoS 0, MQTT 3.1.x), the connection is closed, v5 with
     * DISCONNECT 0x90, so that the client learns of it rather than losing messages silently.
     */
    private void refuseTopic(int qos, int packetId, Topics.Check check) {
        Limit limit = check == Topics.Check.TOO_DEEP ? Limit.MQTT_MAX_TOPIC_LEVELS : Limit.MQTT_MAX_TOPIC_LENGTH;
        services.limitHits().hit(limit);
        LOG.debug("{} ({}): PUBLISH topic over {}", clientId, remote(), limit.key());
        if (qos == 0 || !version.hasProperties()) {
            closeWith(DisconnectReason.PROTOCOL_ERROR, Refusal.TOPIC_NAME_INVALID.v5Code);
            return;
        }
        MqttMessageType type = qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC;
        pubReply(acks.mark(), type, packetId, Refusal.TOPIC_NAME_INVALID.v5Code);
    }

    /**
     * Acts on a PUBLISH authorization denied: it is not routed. v5 answers QoS 1 and 2 with 0x87 Not authorized;
     * 3.1.1 has no negative acknowledgement, so it acknowledges as usual (the client must not resend forever)
     * or, with {@code authorization.deniedPublish: disconnect}, closes the connection.
     */
    private void denyPublish(int qos, int packetId, String topic) {
        services.deniedPublishes().increment();
        LOG.debug("{} ({}): PUBLISH to {} not authorized", clientId, remote(), topic);
        if (!version.hasProperties()
                && services.config().authorization().deniedPublish() == AuthorizationConfig.DeniedPublish.DISCONNECT) {
            closeWith(DisconnectReason.NOT_AUTHORIZED, Refusal.NOT_AUTHORIZED.v5Code);
            return;
        }
        byte code = version.hasProperties() ? Refusal.NOT_AUTHORIZED.v5Code : 0;
        if (qos == 1) {
            pubReply(acks.mark(), MqttMessageType.PUBACK, packetId, code);
        } else if (qos == 2) {
            // v5: a PUBREC of 0x80 or more ends the exchange, no PUBREL follows [MQTT-4.3.3]
            pubReply(acks.mark(), MqttMessageType.PUBREC, packetId, code);
        }
    }

    /** Returns the topic a PUBLISH names, or null after closing the connection for a bad alias. */
    private String resolveTopicAlias(String topicName, MqttProperties props) {
        MqttProperties.MqttProperty<?> aliasProperty = props.getProperty(MqttProperties.TOPIC_ALIAS);
        if (aliasProperty == null) {
            if (topicName.isEmpty()) {
                protocolError(Refusal.PROTOCOL_ERROR, "empty topic without alias");
                return null;
            }
            return topicName;
        }
        int alias = (Integer) aliasProperty.value();
        if (alias <= 0 || alias > limits.topicAliasMaximum()) {
            protocolError(Refusal.TOPIC_ALIAS_INVALID, "topic alias " + alias); // [MQTT-3.3.2-9], [MQTT-3.3.2-10]
            return null;
        }
        if (inboundAliases == null) {
            inboundAliases = new String[limits.topicAliasMaximum() + 1];
        }
        if (topicName.isEmpty()) {
            String known = inboundAliases[alias];
            if (known == null) {
                protocolError(Refusal.PROTOCOL_ERROR, "unknown topic alias " + alias);
            }
            return known;
        }
        inboundAliases[alias] = topicName;
        return topicName;
    }

    private void onPubRec(MqttMessage packet) {
        int id = packetId(packet);
        boolean failed = reasonCode(packet) >= 0x80;
        if (!session.onPubRec(id, failed) && !failed) {
            // Unknown ID: answer so the client can finish its side [MQTT-4.3.3] (v5: 0x92 not found)
            ctx.writeAndFlush(MqttMessages.pubReply(MqttMessageType.PUBREL, id,
                    version.hasProperties() ? (byte) 0x92 : 0), ctx.voidPromise());
        }
    }

    private void onPubRel(MqttMessage packet) {
        int id = packetId(packet);
        long mark = acks.mark();
        boolean known = session.releaseInboundQos2(id);
        byte code = known || !version.hasProperties() ? 0 : (byte) 0x92;
        // once the ID is forgotten in the store too: else, after a crash, its reuse would pass for a retransmission
        pubReply(mark, MqttMessageType.PUBCOMP, id, code);
    }

    private void onSubscribe(MqttSubscribeMessage subscribe) {
        int packetId = subscribe.variableHeader().messageId();
        MqttProperties props = version.hasProperties()
                ? subscribe.idAndPropertiesVariableHeader().properties() : MqttProperties.NO_PROPERTIES;
        int subscriptionId = ConnectNegotiator.intProperty(props, MqttProperties.SUBSCRIPTION_IDENTIFIER, 0);
        if (props.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER) != null && subscriptionId <= 0) {
            // MQTT 5.0 section 3.8.2.1.2: a Subscription Identifier of 0 is a Protocol Error
            protocolError(Refusal.PROTOCOL_ERROR, "Subscription Identifier 0");
            return;
        }
        List<MqttTopicSubscription> requests = subscribe.payload().topicSubscriptions();
        if (requests.isEmpty()) {
            protocolError(Refusal.PROTOCOL_ERROR, "SUBSCRIBE without filters"); // [MQTT-3.8.3-2]
            return;
        }
        long mark = acks.mark();
        List<Integer> codes = new ArrayList<>(requests.size());
        List<Subscription> granted = new ArrayList<>(requests.size());
        List<Boolean> isNew = new ArrayList<>(requests.size());
        for (MqttTopicSubscription request : requests) {
            Topics.SharedFilter parsed = Topics.parseShared(request.topicFilter());
            int code = subscribeCode(request, parsed);
            if (code == -1) {
                return; // protocol error, connection closed
            }
            codes.add(code);
            if (code > 2) {
                continue;
            }
            Subscription sub = new Subscription(clientId, parsed.filter(), parsed.shareName(), code,
                    request.option().isNoLocal(), request.option().isRetainAsPublished(),
                    request.option().retainHandling().value(), subscriptionId);
            Subscription old = session.subscribe(sub);
            services.subscriptions().subscribe(sub);
            granted.add(sub);
            isNew.add(old == null);
        }
        MqttSubAckMessage ack = new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes));
        // once the subscriptions are stored; the retained messages follow the SUBACK
        acks.send(mark, () -> {
            ctx.write(ack, ctx.voidPromise());
            for (int i = 0; i < granted.size(); i++) {
                Subscription sub = granted.get(i);
                if (sub.retainHandling() == 0 || (sub.retainHandling() == 1 && isNew.get(i))) {
                    services.router().deliverRetained(session, sub); // [MQTT-3.3.1-9], [MQTT-3.3.1-10]
                }
            }
        });
    }

    /** The SUBACK code for one request: granted QoS, a failure code, or -1 after a protocol error. */
    private int subscribeCode(MqttTopicSubscription request, Topics.SharedFilter parsed) {
        boolean v5 = version.hasProperties();
        int failure = v5 ? 0x8F : 0x80; // v5: Topic Filter invalid
        if (parsed == null) {
            return failure;
        }
        Topics.Check check = Topics.checkFilter(parsed.filter(), limits.maxTopicLevels(), limits.maxTopicLength());
        if (check != Topics.Check.VALID) {
            if (check != Topics.Check.INVALID) {
                services.limitHits().hit(check == Topics.Check.TOO_DEEP
                        ? Limit.MQTT_MAX_TOPIC_LEVELS : Limit.MQTT_MAX_TOPIC_LENGTH);
            }
            return failure;
        }
        if (parsed.shareName() != null) {
            if (!limits.sharedSubscriptionAvailable()) {
                return v5 ? 0x9E : 0x80;
            }
            if (request.option().isNoLocal()) {
                protocolError(Refusal.PROTOCOL_ERROR, "No Local on a shared subscription"); // [MQTT-3.8.3-4]
                return -1;
            }
        }
        boolean wildcard = parsed.filter().indexOf('+') >= 0 || parsed.filter().indexOf('#') >= 0;
        if (wildcard && !limits.wildcardSubscriptionAvailable()) {
            return v5 ? 0xA2 : 0x80;
        }
        if (!permissions.maySubscribe(request.topicFilter(), parsed.filter())) {
            return v5 ? 0x87 : 0x80; // Not authorized / Failure
        }
        int max = limits.maxSubscriptionsPerClient();
        if (max > 0 && session.subscriptionCount() >= max && !session.hasSubscription(request.topicFilter())) {
            services.limitHits().hit(Limit.MQTT_MAX_SUBSCRIPTIONS_PER_CLIENT);
            return v5 ? 0x97 : 0x80; // Quota exceeded / Failure; replacing an existing subscription is always allowed
        }
        return Math.min(request.qualityOfService().value(), 2);
    }

    private void onUnsubscribe(MqttUnsubscribeMessage unsubscribe) {
        List<String> filters = unsubscribe.payload().topics();
        if (filters.isEmpty()) {
            protocolError(Refusal.PROTOCOL_ERROR, "UNSUBSCRIBE without filters"); // [MQTT-3.10.3-2]
            return;
        }
        long mark = acks.mark();
        List<Short> codes = new ArrayList<>(filters.size());
        for (String filter : filters) {
            Subscription removed = session.unsubscribe(filter);
            if (removed != null) {
                services.subscriptions().unsubscribe(clientId, filter);
            }
            codes.add(removed != null ? (short) 0x00 : (short) 0x11); // v5: No subscription existed
        }
        int packetId = unsubscribe.idAndPropertiesVariableHeader().messageId();
        MqttUnsubAckMessage ack = new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                version.hasProperties() ? new MqttUnsubAckPayload(codes) : new MqttUnsubAckPayload());
        acks.send(mark, () -> ctx.write(ack, ctx.voidPromise()));
    }

    private void onDisconnect(MqttMessage packet) {
        byte reason = 0;
        if (version.hasProperties() && packet.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader) {
            MqttReasonCodeAndPropertiesVariableHeader h = (MqttReasonCodeAndPropertiesVariableHeader) packet.variableHeader();
            reason = h.reasonCode();
            MqttProperties.MqttProperty<?> expiry = h.properties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
            if (expiry != null) {
                long requested = ((Integer) expiry.value()) & 0xFFFFFFFFL;
                if (sessionExpiry == 0 && requested != 0) {
                    protocolError(Refusal.PROTOCOL_ERROR, "session expiry set on DISCONNECT"); // [MQTT-3.14.2-2]
                    return;
                }
                sessionExpiry = Math.min(requested, limits.maxSessionExpiry().toSeconds());
                services.sessions().updateExpiry(clientId, this, sessionExpiry);
            }
        }
        clientSentDisconnect = true;
        // [MQTT-3.14.4-3]: only reason 0x00 (normal disconnection) discards the will; 0x04 asks for it
        publishWillOnEnd = reason != 0x00;
        endReason.compareAndSet(null, DisconnectReason.CLIENT_DISCONNECT);
        ctx.close();
    }

    // ---- outbound ----------------------------------------------------------------------------

    @Override
    public String connectionId() {
        return connectionId;
    }

    @Override
    public int sendWindow() {
        return sendWindow;
    }

    @Override
    public boolean fits(Message message, List<Integer> subscriptionIds) {
        int max = clientMaxPacketSize;
        // [MQTT-3.1.2-24], [MQTT-3.1.2-25]
        return max == 0 || MqttMessages.publishSize(message, subscriptionIds, clientTopicAliasMax > 0) <= max;
    }

    @Override
    public boolean congested() {
        return !channel.isWritable() || outboundQueued.get() >= MAX_QUEUED_QOS0;
    }

    @Override
    public void sendPublish(Message message, int packetId, boolean dup, List<Integer> subscriptionIds) {
        enqueue(new OutboundPublish(message, packetId, dup, subscriptionIds));
    }

    @Override
    public void sendPubRel(int packetId) {
        enqueue(MqttMessages.pubReply(MqttMessageType.PUBREL, packetId, (byte) 0));
    }

    private void enqueue(Object packet) {
        outbound.add(packet);
        outboundQueued.incrementAndGet();
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drainOutbound);
        }
    }

    /** Writes every queued packet in order, then flushes once: many deliveries, one system call. */
    private void drainOutbound() {
        drainScheduled.set(false);
        int written = 0;
        for (Object packet = outbound.poll(); packet != null; packet = outbound.poll()) {
            if (!lastPacketWritten) { // after the last packet the output is (being) shut: the session keeps them
                ctx.write(packet instanceof OutboundPublish ? toPublish((OutboundPublish) packet) : packet,
                        ctx.voidPromise());
            }
            written++;
        }
        outboundQueued.addAndGet(-written);
        if (written > 0) {
            ctx.flush();
        }
    }

    @Override
    public void terminate(DisconnectReason reason) {
        if (!endReason.compareAndSet(null, reason)) {
            return;
        }
        byte code;
        switch (reason) {
            case SESSION_TAKEN_OVER:
                code = (byte) 0x8E;
                break;
            case SERVER_SHUTDOWN:
                code = (byte) 0x8B;
                break;
            case KICKED:
                code = (byte) 0x98; // administrative action
                break;
            case NOT_AUTHORIZED:
                code = (byte) 0x87;
                break;
            default:
                code = (byte) 0x80;
                break;
        }
        channel.eventLoop().execute(() -> sendDisconnectAndClose(code));
    }

    private MqttPublishMessage toPublish(OutboundPublish p) {
        String topic = p.message().topic();
        String topicName = topic;
        int alias = 0;
        if (clientTopicAliasMax > 0 && version.hasProperties()) {
            if (outboundAliases == null) {
                outboundAliases = new HashMap<>();
            }
            Integer known = outboundAliases.get(topic);
            if (known != null) {
                alias = known;
                topicName = "";
            } else if (outboundAliases.size() < clientTopicAliasMax) {
                alias = outboundAliases.size() + 1;
                outboundAliases.put(topic, alias);
            }
        }
        return MqttMessages.publish(p.message(), topicName, alias, p.packetId(), p.dup(), p.subscriptionIds(),
                version.hasProperties(), services.clock().millis());
    }

    // ---- closing -----------------------------------------------------------------------------

    /** Closes after a protocol violation: v5 clients get DISCONNECT with the reason code first. */
    private void protocolError(Refusal refusal, String detail) {
        LOG.debug("{} ({}): protocol error {}: {}", clientId, remote(), refusal, detail);
        closeWith(DisconnectReason.PROTOCOL_ERROR, refusal.v5Code);
    }

    private void closeWith(DisconnectReason reason, byte v5Code) {
        if (endReason.compareAndSet(null, reason)) {
            sendDisconnectAndClose(v5Code);
        } else {
            ctx.close();
        }
    }

    private void sendDisconnectAndClose(byte v5Code) {
        if (connAckSent && version.hasProperties() && channel.isActive()) {
            MqttMessage disconnect = MqttMessageBuilders.disconnect().reasonCode(v5Code).build();
            writeLastAndClose(disconnect);
        } else {
            ctx.close();
        }
    }

    /**
     * Writes the broker's last packet on this connection and ends it so that the client can read it. Closing
     * at once with unread input in the socket makes the kernel answer with a TCP reset, and the client loses
     * the packet (a v5 client that overran the Receive Maximum would never read its DISCONNECT 0x93). So from
     * here on input is released unread, the output is half-closed once the packet is written (over WebSocket
     * the handler's close frame does that), and the channel closes when the client closes its side or after
     * {@link #LAST_PACKET_DRAIN_MS}, whichever comes first. Runs on the event loop; never blocks.
     */
    private void writeLastAndClose(MqttMessage last) {
        lastPacketWritten = true;
        acks.close(); // nothing follows the last packet
        // input is discarded from here on: it may be read
        readPause.resume(ReadPause.Reason.BACKPRESSURE);
        readPause.resume(ReadPause.Reason.STORE_CONGESTED);
        readPause.resume(ReadPause.Reason.ACKS_WAITING);
        ctx.writeAndFlush(last).addListener(written -> {
            boolean webSocket = ctx.pipeline().get(WebSocketServerProtocolHandler.class) != null;
            if (!written.isSuccess() || webSocket || !(channel instanceof DuplexChannel)) {
                ctx.close();
                return;
            }
            ((DuplexChannel) channel).shutdownOutput();
            ScheduledFuture<?> drain = ctx.executor().schedule(() -> ctx.close(), LAST_PACKET_DRAIN_MS,
                    TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(closed -> drain.cancel(false));
        });
    }

    // ---- helpers -----------------------------------------------------------------------------

    private MqttVersion codecVersion() {
        MqttVersion v = channel.attr(CODEC_VERSION).get();
        return v == null ? MqttVersion.MQTT_3_1_1 : v;
    }

    private static int packetId(MqttMessage packet) {
        Object header = packet.variableHeader();
        return header instanceof MqttMessageIdVariableHeader ? ((MqttMessageIdVariableHeader) header).messageId() : 0;
    }

    private static int reasonCode(MqttMessage packet) {
        Object header = packet.variableHeader();
        return header instanceof MqttPubReplyMessageVariableHeader
                ? ((MqttPubReplyMessageVariableHeader) header).reasonCode() & 0xFF : 0;
    }

    private InetSocketAddress remoteAddress() {
        return ClientAddress.of(channel);
    }

    private String remote() {
        return ClientAddress.describe(channel);
    }

    /** 32 lower-case hex digits of randomness (one per connection: no String.format on this path). */
    private static String newConnectionId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] hex = new byte[32];
        fillHex(hex, 0, r.nextLong());
        fillHex(hex, 16, r.nextLong());
        return new String(hex, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static void fillHex(byte[] out, int at, long value) {
        for (int i = 15; i >= 0; i--) {
            int digit = (int) (value & 0xF);
            out[at + i] = (byte) (digit < 10 ? '0' + digit : 'a' + digit - 10);
            value >>>= 4;
        }
    }

    private static String newAssignedClientId() {
        return "pulsemq-" + newConnectionId().substring(0, 20);
    }

    /** A delivery handed to the channel from any thread; turned into a PUBLISH on the event loop. */
    record OutboundPublish(Message message, int packetId, boolean dup, List<Integer> subscriptionIds) {
    }
}
