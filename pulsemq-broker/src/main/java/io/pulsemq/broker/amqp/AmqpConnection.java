package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.UnknownClassOrMethodId;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.LongStringHelper;
import com.rabbitmq.client.impl.Method;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.transport.ClientAddress;
import io.pulsemq.broker.transport.ReadPause;
import io.pulsemq.broker.transport.ReadPauses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One AMQP 0-9-1 connection: the handshake (start, SASL PLAIN login, tune, open of virtual host
 * {@value #VIRTUAL_HOST}), heartbeats, channels, and the mapping of every protocol error to a
 * {@code channel.close} or {@code connection.close} with its reply code. Confined to its event loop.
 *
 * <p>After a connection error the handler sends {@code connection.close}, discards everything but
 * {@code close}/{@code close-ok} [AMQP 0-9-1 2.2.4], and closes the socket on {@code close-ok} or after
 * {@value #CLOSE_TIMEOUT_SECONDS} seconds. A malformed frame ends only its own connection.
 *
 * <p>Backpressure: while more outbound bytes wait than the channel's high-water mark the connection is not read
 * ({@link ReadPause}), so a publisher that never reads its confirms, or a consumer that never reads its deliveries,
 * fills its own socket buffers, not the broker's memory.
 */
final class AmqpConnection extends SimpleChannelInboundHandler<AmqpFrame> {

    static final String HANDLER_NAME = "amqp-connection";
    static final String VIRTUAL_HOST = "MQTT";
    private static final Logger LOG = LoggerFactory.getLogger(AmqpConnection.class);
    private static final String IDLE_HANDLER = "amqp-heartbeat";
    private static final int HANDSHAKE_TIMEOUT_SECONDS = 10;
    private static final int CLOSE_TIMEOUT_SECONDS = 5;
    /** Most distinct refusals one connection logs at INFO; repeats and any beyond go to DEBUG. */
    private static final int MAX_LOGGED_REFUSALS = 32;

    private enum State {
        AWAIT_HEADER, AWAIT_START_OK, AWAIT_TUNE_OK, AWAIT_OPEN, OPEN, CLOSING, CLOSED
    }

    private final AmqpServices services;
    private final String serverVersion;
    private final ReadPauses pauses;
    private ReadPause readPause;
    private final Map<Integer, AmqpChannel> channels = new HashMap<>();
    /** Channels we sent channel.close on, waiting for close-ok; their other frames are discarded. */
    private final Map<Integer, Boolean> closingChannels = new HashMap<>();
    /** Queues (status groups, parent topics) consumed or declared here; at most amqp.maxQueuesPerConnection. */
    private final Set<String> queuesUsed = new HashSet<>();
    /** Consumers open over all channels; at most amqp.maxConsumersPerConnection. */
    private int consumers;
    /** Deliveries unacknowledged over all consumers (queue executor only); at most amqp.maxUnackedPerConnection. */
    private DeliveryCredit credit;
    /** Refusals of this connection already logged at INFO (the SDK retries a refused consume every 5 s). */
    private final Set<String> loggedRefusals = new HashSet<>();
    private ChannelHandlerContext ctx;
    private State state = State.AWAIT_HEADER;
    /** What the logged-in key may read and send; set at login. */
    private KeyScope scope;
    private int frameMax;
    private int channelMax;
    private ScheduledFuture<?> timeout;

    AmqpConnection(AmqpServices services, String serverVersion, ReadPauses pauses) {
        this.services = services;
        this.serverVersion = serverVersion;
        this.pauses = pauses;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.readPause = new ReadPause(ctx.channel(), pauses);
        this.frameMax = services.config().frameMax();
        this.channelMax = services.config().channelMax();
        this.credit = new DeliveryCredit(services.config().maxUnackedPerConnection(), services.queueExecutor(),
                services.limitHits());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        timeout = ctx.executor().schedule(() -> {
            if (state != State.OPEN && state != State.CLOSED) {
                LOG.debug("AMQP connection {} did not complete the handshake in {}s", ClientAddress.describe(ctx.channel()),
                        HANDSHAKE_TIMEOUT_SECONDS);
                ctx.close();
            }
        }, HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSED;
        readPause.ended();
        if (timeout != null) {
            timeout.cancel(false);
        }
        channels.values().forEach(AmqpChannel::close);
        channels.clear();
        super.channelInactive(ctx);
    }

    /** Whether the connection can still carry deliveries. */
    boolean isOpen() {
        return state == State.OPEN && ctx.channel().isActive();
    }

    /** Runs {@code task} on this connection's event loop, or {@code ifGone} where it is when that loop has stopped. */
    void execute(Runnable task, Runnable ifGone) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException stopped) {
            ifGone.run();
        }
    }

    /** The client's address, for log lines. */
    String remote() {
        return ClientAddress.describe(ctx.channel());
    }

    /**
     * Records that this connection uses queue {@code name} ({@code STATUS} of one group, or a parent topic), unless
     * that would exceed {@code amqp.maxQueuesPerConnection} distinct queues.
     *
     * @return false when the connection already uses that many other queues
     */
    boolean useQueue(String name) {
        if (queuesUsed.contains(name)) {
            return true;
        }
        if (queuesUsed.size() >= services.config().maxQueuesPerConnection()) {
            services.limitHits().hit(Limit.AMQP_MAX_QUEUES_PER_CONNECTION);
            return false;
        }
        queuesUsed.add(name);
        return true;
    }

    /** Consumers open over all channels, against {@code amqp.maxConsumersPerConnection}. */
    int consumerCount() {
        return consumers;
    }

    /** A consumer was opened on one of the channels. */
    void addConsumer() {
        consumers++;
    }

    /** A consumer counted by {@link #addConsumer} was cancelled, or its channel closed. */
    void removeConsumer() {
        consumers--;
    }

    /** The connection's unacknowledged deliveries, shared by its consumers (used on the queue executor only). */
    DeliveryCredit credit() {
        return credit;
    }

    /**
     * Whether a refusal described by {@code what} is new on this connection, to be logged at INFO; a repeat (or any
     * beyond the first {@value #MAX_LOGGED_REFUSALS}) is logged at DEBUG.
     */
    boolean firstRefusal(String what) {
        return loggedRefusals.size() < MAX_LOGGED_REFUSALS && loggedRefusals.add(what);
    }

    /** Writes a method frame. */
    void send(int channel, Method method) {
        ctx.writeAndFlush(AmqpCodec.method(ctx.alloc(), channel, method), ctx.voidPromise());
    }

    /** Writes a method with content. */
    void sendContent(int channel, Method method, AMQP.BasicProperties props, byte[] body) {
        ctx.writeAndFlush(AmqpCodec.content(ctx.alloc(), channel, method, props, body, frameMax), ctx.voidPromise());
    }

    /** The broker is stopping: {@code connection.close} 320, then the socket. */
    void shutdown() {
        if (state != State.CLOSED && ctx.channel().isActive()) {
            state = State.CLOSING;
            ctx.writeAndFlush(AmqpCodec.method(ctx.alloc(), 0, new AMQImpl.Connection.Close(ReplyCode.CONNECTION_FORCED,
                    "CONNECTION_FORCED - broker shutdown", 0, 0))).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        readPause.followWritability();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, AmqpFrame frame) {
        try {
            read(frame);
        } catch (AmqpError e) {
            fail(frame.channel(), e);
        }
    }

    private void read(AmqpFrame frame) throws AmqpError {
        switch (frame.type()) {
            case AmqpFrame.PROTOCOL_HEADER -> start();
            case AmqpFrame.MALFORMED -> throw AmqpError.connection(ReplyCode.FRAME_ERROR, frame.error(), null);
            case AmqpFrame.HEARTBEAT -> {
                if (frame.channel() != 0) {
                    throw AmqpError.connection(ReplyCode.FRAME_ERROR, "heartbeat on channel " + frame.channel(), null);
                }
            }
            case AmqpFrame.METHOD -> method(frame.channel(), decode(frame));
            default -> content(frame);
        }
    }

    private Method decode(AmqpFrame frame) throws AmqpError {
        try {
            return AmqpCodec.readMethod(frame.payload());
        } catch (UnknownClassOrMethodId e) {
            throw AmqpError.connection(ReplyCode.NOT_IMPLEMENTED, "unknown class " + e.classId + " method " + e.methodId, null);
        } catch (IOException | RuntimeException e) {
            throw AmqpError.connection(ReplyCode.SYNTAX_ERROR, "cannot decode method frame: " + e, null);
        }
    }

    private void content(AmqpFrame frame) throws AmqpError {
        if (state == State.CLOSING || closingChannels.containsKey(frame.channel())) {
            return;
        }
        AmqpChannel ch = openChannel(frame.channel(), null);
        if (frame.type() == AmqpFrame.HEADER) {
            AMQContentHeader header;
            try {
                header = AmqpCodec.readContentHeader(frame.payload());
            } catch (IOException | RuntimeException e) {
                throw AmqpError.connection(ReplyCode.SYNTAX_ERROR, "cannot decode content header: " + e, null);
            }
            ch.header(header);
        } else {
            ch.body(frame.payload());
        }
    }

    private void method(int channel, Method m) throws AmqpError {
        if (state == State.CLOSING) {
            if (channel == 0 && m instanceof AMQImpl.Connection.CloseOk) {
                ctx.close();
            } else if (channel == 0 && m instanceof AMQImpl.Connection.Close) {
                closeAfter(new AMQImpl.Connection.CloseOk());
            }
            return; // [AMQP 0-9-1 2.2.4] discard everything else after sending connection.close
        }
        if (channel == 0) {
            connectionMethod(m);
            return;
        }
        if (state != State.OPEN) {
            throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "channel method before connection.open", m);
        }
        if (closingChannels.containsKey(channel)) {
            if (m instanceof AMQImpl.Channel.CloseOk || m instanceof AMQImpl.Channel.Close) {
                closingChannels.remove(channel);
            }
            return; // discard until close-ok
        }
        if (m instanceof AMQImpl.Channel.Open) {
            if (channel > channelMax) {
                throw AmqpError.connection(ReplyCode.NOT_ALLOWED, "channel " + channel + " exceeds channel-max " + channelMax, m);
            }
            if (channels.containsKey(channel)) {
                throw AmqpError.connection(ReplyCode.CHANNEL_ERROR, "channel " + channel + " is already open", m);
            }
            channels.put(channel, new AmqpChannel(this, channel, services, scope));
            send(channel, new AMQImpl.Channel.OpenOk(LongStringHelper.asLongString("")));
            return;
        }
        AmqpChannel ch = openChannel(channel, m);
        if (ch.expectsContent()) {
            throw AmqpError.connection(ReplyCode.UNEXPECTED_FRAME, "method frame while content was expected", m);
        }
        if (m instanceof AMQImpl.Channel.Close) {
            channels.remove(channel).close();
            send(channel, new AMQImpl.Channel.CloseOk());
        } else if (m instanceof AMQImpl.Channel.CloseOk) {
            throw AmqpError.connection(ReplyCode.CHANNEL_ERROR, "channel.close-ok without channel.close", m);
        } else {
            ch.method(m);
        }
    }

    private AmqpChannel openChannel(int channel, Method m) throws AmqpError {
        AmqpChannel ch = channels.get(channel);
        if (ch == null) {
            throw AmqpError.connection(ReplyCode.CHANNEL_ERROR, "channel " + channel + " is not open", m);
        }
        return ch;
    }

    // ---- connection class ----------------------------------------------------------------------

    private void start() {
        Map<String, Object> capabilities = new HashMap<>();
        capabilities.put("publisher_confirms", true);
        capabilities.put("basic.nack", true);
        capabilities.put("consumer_cancel_notify", false);
        capabilities.put("exchange_exchange_bindings", false);
        capabilities.put("connection.blocked", false);
        capabilities.put("authentication_failure_close", true); // refused logins get connection.close 403
        capabilities.put("per_consumer_qos", true);
        Map<String, Object> properties = new HashMap<>();
        properties.put("product", "PulseMQ");
        properties.put("version", serverVersion);
        properties.put("platform", "Java");
        properties.put("information", "ApsaraMQ for MQTT server SDK endpoint");
        properties.put("capabilities", capabilities);
        send(0, new AMQImpl.Connection.Start(0, 9, properties, LongStringHelper.asLongString(AmqpLogin.MECHANISM),
                LongStringHelper.asLongString("en_US")));
        state = State.AWAIT_START_OK;
    }

    private void connectionMethod(Method m) throws AmqpError {
        switch (state) {
            case AWAIT_START_OK -> {
                if (!(m instanceof AMQImpl.Connection.StartOk ok)) {
                    throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "expected connection.start-ok", m);
                }
                login(ok);
            }
            case AWAIT_TUNE_OK -> {
                if (!(m instanceof AMQImpl.Connection.TuneOk ok)) {
                    throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "expected connection.tune-ok", m);
                }
                tune(ok);
            }
            case AWAIT_OPEN -> {
                if (!(m instanceof AMQImpl.Connection.Open open)) {
                    throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "expected connection.open", m);
                }
                if (!VIRTUAL_HOST.equals(open.getVirtualHost())) {
                    throw AmqpError.connection(ReplyCode.NOT_ALLOWED, "virtual host '" + open.getVirtualHost()
                            + "' does not exist; the server SDK uses '" + VIRTUAL_HOST + "'", m);
                }
                state = State.OPEN;
                timeout.cancel(false);
                send(0, new AMQImpl.Connection.OpenOk(""));
            }
            case OPEN -> {
                if (m instanceof AMQImpl.Connection.Close) {
                    state = State.CLOSING;
                    channels.values().forEach(AmqpChannel::close);
                    channels.clear();
                    closeAfter(new AMQImpl.Connection.CloseOk());
                } else if (!(m instanceof AMQImpl.Connection.Blocked || m instanceof AMQImpl.Connection.Unblocked)) {
                    throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "unexpected " + m.protocolMethodName(), m);
                }
            }
            default -> throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "unexpected " + m.protocolMethodName(), m);
        }
    }

    private void login(AMQImpl.Connection.StartOk ok) throws AmqpError {
        InetSocketAddress from = ClientAddress.of(ctx.channel());
        InetAddress ip = from == null ? null : from.getAddress();
        Optional<Ban> ban = services.guard().banned(null, null, ip);
        if (ban.isPresent()) {
            LOG.info("AMQP login from {} refused: banned ({})", ClientAddress.describe(ctx.channel()),
                    ban.get().reason());
            throw AmqpError.connection(ReplyCode.ACCESS_REFUSED, "login refused: address banned", ok);
        }
        Map<String, Object> props = ok.getClientProperties() == null ? Map.of() : ok.getClientProperties();
        Object signKey = props.get(AmqpLogin.SIGN_KEY);
        LongString response = ok.getResponse();
        AmqpLogin.Result result = services.login().authenticate(ok.getMechanism(),
                response == null ? null : response.getBytes(), signKey == null ? null : signKey.toString());
        if (!result.accepted()) {
            LOG.info("AMQP login from {} refused: {}", ClientAddress.describe(ctx.channel()), result.refusal());
            AmqpError refused = AmqpError.connection(ReplyCode.ACCESS_REFUSED, "login refused: " + result.refusal(),
                    ok);
            Duration delay = services.guard().failed(ip, null);
            if (delay.isZero()) {
                throw refused;
            }
            // throttled: the close waits on this event loop; nothing more is read meanwhile
            readPause.pause(ReadPause.Reason.LOGIN_THROTTLE);
            ctx.executor().schedule(() -> fail(0, refused), delay.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        scope = KeyScope.of(result.key(), services.authorizer());
        int heartbeat = (int) services.config().heartbeat().toSeconds();
        send(0, new AMQImpl.Connection.Tune(channelMax, frameMax, heartbeat));
        state = State.AWAIT_TUNE_OK;
    }

    private void tune(AMQImpl.Connection.TuneOk ok) throws AmqpError {
        // [AMQP 0-9-1 connection.tune-ok] the client may lower the proposed limits, never raise them
        if (ok.getFrameMax() > frameMax || (ok.getFrameMax() != 0 && ok.getFrameMax() < 4096)) {
            throw AmqpError.connection(ReplyCode.NOT_ALLOWED, "frame-max " + ok.getFrameMax() + " outside 4096.." + frameMax, ok);
        }
        if (ok.getChannelMax() > channelMax) {
            throw AmqpError.connection(ReplyCode.NOT_ALLOWED, "channel-max " + ok.getChannelMax() + " above " + channelMax, ok);
        }
        if (ok.getFrameMax() != 0) {
            frameMax = ok.getFrameMax();
        }
        if (ok.getChannelMax() != 0) {
            channelMax = ok.getChannelMax();
        }
        ((AmqpFrameDecoder) ctx.pipeline().get(AmqpFrameDecoder.HANDLER_NAME)).frameMax(frameMax);
        int heartbeat = ok.getHeartbeat();
        if (heartbeat > 0) {
            // send a heartbeat after one quiet interval; give up on a peer silent for two [AMQP 0-9-1 4.2.7]
            ctx.pipeline().addBefore(AmqpFrameDecoder.HANDLER_NAME, IDLE_HANDLER,
                    new IdleStateHandler(2L * heartbeat, heartbeat, 0, TimeUnit.SECONDS));
        }
        state = State.AWAIT_OPEN;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(AmqpCodec.heartbeat(ctx.alloc()), ctx.voidPromise());
            } else if (idle.state() == IdleState.READER_IDLE) {
                LOG.info("AMQP connection {} missed two heartbeats; closing it", ClientAddress.describe(ctx.channel()));
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    // ---- errors --------------------------------------------------------------------------------

    private void fail(int channel, AmqpError e) {
        if (e.scope == AmqpError.Scope.CHANNEL && channel != 0 && state == State.OPEN) {
            AmqpChannel ch = channels.remove(channel);
            if (ch != null) {
                ch.close();
            }
            closingChannels.put(channel, Boolean.TRUE);
            LOG.debug("AMQP channel {} of {} closed: {} {}", channel, ClientAddress.describe(ctx.channel()), e.code, e.getMessage());
            send(channel, new AMQImpl.Channel.Close(e.code, e.replyText(), e.classId, e.methodId));
            return;
        }
        LOG.debug("AMQP connection {} closed: {} {}", ClientAddress.describe(ctx.channel()), e.code, e.getMessage());
        if (state == State.AWAIT_HEADER || state == State.CLOSED) {
            ctx.close();
            return;
        }
        state = State.CLOSING;
        channels.values().forEach(AmqpChannel::close);
        channels.clear();
        ByteBuf close = AmqpCodec.method(ctx.alloc(), 0, new AMQImpl.Connection.Close(e.code, e.replyText(), e.classId, e.methodId));
        ctx.writeAndFlush(close, ctx.voidPromise());
        ctx.executor().schedule(() -> {
            ctx.close();
        }, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private void closeAfter(Method last) {
        ctx.writeAndFlush(AmqpCodec.method(ctx.alloc(), 0, last)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("AMQP connection {} failed", ClientAddress.describe(ctx.channel()), cause);
        ctx.close();
    }
}
