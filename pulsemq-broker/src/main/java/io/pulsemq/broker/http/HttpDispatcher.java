package io.pulsemq.broker.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.pulsemq.broker.http.HttpRoutes.Resolution;
import io.pulsemq.broker.http.HttpRoutes.Router;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.transport.ClientAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns each aggregated request into a {@link HttpRequest}, runs its route and writes the answers in request
 * order (HTTP/1.1 pipelining), honouring keep-alive. A streamed answer ({@link HttpResponse#stream}) occupies the
 * connection until its body ends; the answers behind it wait. One instance per connection; every method runs on
 * the connection's event loop, so its state is unsynchronized (the {@link StreamSink} given to a stream body is
 * the one thread-safe part).
 */
final class HttpDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** Pipeline name. */
    static final String NAME = "http-dispatcher";

    private static final Logger log = LoggerFactory.getLogger(HttpDispatcher.class);

    private final Router router;
    private final int maxPipelined;
    private final LimitHits hits;
    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>();
    /** A request asked to close the connection (or could not be read): later requests are ignored. */
    private boolean lastRequestSeen;
    /** The streamed answer being sent, or null. */
    private ChannelStreamSink streaming;

    HttpDispatcher(Router router, int maxPipelined, LimitHits hits) {
        this.router = router;
        this.maxPipelined = maxPipelined;
        this.hits = hits;
    }

    /** Requests read whose answers are not written yet (a streamed answer counts until it ends). Event loop only. */
    int pendingAnswers() {
        return exchanges.size();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (lastRequestSeen) {
            return;
        }
        boolean readable = request.decoderResult().isSuccess();
        Exchange exchange = new Exchange(request.method() + " " + request.uri(), request.protocolVersion(),
                readable && HttpUtil.isKeepAlive(request), HttpMethod.HEAD.equals(request.method()));
        lastRequestSeen = !exchange.keepAlive;
        exchanges.add(exchange);
        if (exchanges.size() >= maxPipelined) {
            hits.hit(Limit.HTTP_MAX_PIPELINED);
            ctx.channel().config().setAutoRead(false);
        }
        CompletionStage<HttpResponse> answer = readable
                ? dispatch(ctx, request)
                : CompletableFuture.completedFuture(decodeError(request.decoderResult().cause(), hits));
        answer.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                complete(ctx, exchange, response, error);
            } else {
                ctx.executor().execute(() -> complete(ctx, exchange, response, error));
            }
        });
    }

    private CompletionStage<HttpResponse> dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri;
        List<String> segments = new ArrayList<>();
        Map<String, List<String>> query;
        try {
            uri = new QueryStringDecoder(request.uri());
            for (String raw : PathPattern.split(uri.rawPath())) {
                // '+' is literal in a path; only the query encodes spaces with it.
                segments.add(QueryStringDecoder.decodeComponent(raw.replace("+", "%2B")));
            }
            query = uri.parameters();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(
                    HttpResponse.error(400, "bad_request", "Malformed request target"));
        }
        String path = "/" + String.join("/", segments);
        String method = request.method().name();
        Resolution resolution = router.resolve(method, segments);
        if (resolution instanceof Resolution.NotFound) {
            return CompletableFuture.completedFuture(HttpResponse.error(404, "not_found", "No resource at " + path));
        }
        if (resolution instanceof Resolution.MethodNotAllowed notAllowed) {
            String allow = String.join(", ", notAllowed.allowed());
            return CompletableFuture.completedFuture(HttpResponse.error(405, "method_not_allowed",
                    method + " is not allowed on " + path + "; allowed: " + allow).withHeader("Allow", allow));
        }
        Resolution.Found found = (Resolution.Found) resolution;
        HttpRequest req = new HttpRequest(method, path, found.pathParams(), query, headers(request),
                ByteBufUtil.getBytes(request.content()), remoteAddress(ctx), uri.rawPath());
        try {
            CompletionStage<HttpResponse> stage = found.route().handler().handle(req);
            if (stage == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "handler of " + found.route().method() + " " + found.route().pattern() + " returned null"));
            }
            return stage;
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void complete(ChannelHandlerContext ctx, Exchange exchange, HttpResponse response, Throwable error) {
        if (error != null || response == null) {
            log.warn("HTTP handler of {} failed", exchange.target, error);
            exchange.response = HttpResponse.error(500, "internal_error", "Internal server error");
        } else {
            exchange.response = response;
        }
        drain(ctx);
    }

    /** Writes the answers that are ready, oldest first, stopping at the first one still being computed. */
    private void drain(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (streaming == null && !exchanges.isEmpty() && exchanges.peek().response != null) {
            Exchange exchange = exchanges.poll();
            if (exchange.response.stream() != null && !exchange.head) {
                startStream(ctx, exchange);
                return;
            }
            FullHttpResponse response = toNetty(exchange);
            if (!exchange.keepAlive) {
                exchanges.clear();
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.write(response);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (exchanges.size() < maxPipelined && !lastRequestSeen) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Sends the head of a streamed answer and hands the sink to its body; the queue resumes when it ends. */
    private void startStream(ChannelHandlerContext ctx, Exchange exchange) {
        HttpResponse r = exchange.response;
        DefaultHttpResponse head = new DefaultHttpResponse(exchange.version, HttpResponseStatus.valueOf(r.status()));
        if (!r.contentType().isEmpty()) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        r.headers().forEach((name, value) -> head.headers().set(name, value));
        HttpUtil.setTransferEncodingChunked(head, true);
        HttpUtil.setKeepAlive(head, exchange.keepAlive);
        ctx.writeAndFlush(head);
        ChannelStreamSink sink = new ChannelStreamSink(ctx, exchange);
        streaming = sink;
        try {
            r.stream().start(sink);
        } catch (RuntimeException | Error e) {
            log.warn("HTTP stream body of {} failed to start", exchange.target, e);
            ctx.close();
        }
    }

    /** On the event loop, once the last chunk of {@code sink} is written. */
    private void streamEnded(ChannelHandlerContext ctx, ChannelStreamSink sink) {
        if (streaming != sink) {
            return;
        }
        streaming = null;
        if (!sink.exchange.keepAlive) {
            exchanges.clear();
            ctx.close();
            return;
        }
        drain(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (streaming != null && ctx.channel().isWritable()) {
            streaming.fireWritable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent && exchanges.isEmpty()) {
            hits.hit(Limit.HTTP_IDLE_TIMEOUT);
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        exchanges.clear();
        if (streaming != null) {
            streaming.closed();
            streaming = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            log.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private static HttpResponse decodeError(Throwable cause, LimitHits hits) {
        if (cause instanceof RequestDeadline.LateRequestException late) {
            return HttpResponse.error(408, "request_timeout", late.limit() == Limit.HTTP_HEADER_TIMEOUT
                    ? "The request head did not arrive within the time allowed"
                    : "The request did not arrive in whole within the time allowed");
        }
        if (cause instanceof TooLongHttpContentException) {
            hits.hit(Limit.HTTP_MAX_BODY_SIZE);
            return HttpResponse.error(413, "payload_too_large", "Request body too large");
        }
        if (cause instanceof TooLongHttpLineException) {
            hits.hit(Limit.HTTP_MAX_INITIAL_LINE_LENGTH);
            return HttpResponse.error(414, "uri_too_long", "Request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            hits.hit(Limit.HTTP_MAX_HEADER_SIZE);
            return HttpResponse.error(431, "headers_too_large", "Request headers too large");
        }
        return HttpResponse.error(400, "bad_request", "Malformed HTTP request");
    }

    private static FullHttpResponse toNetty(Exchange exchange) {
        HttpResponse r = exchange.response;
        FullHttpResponse response = new DefaultFullHttpResponse(exchange.version, HttpResponseStatus.valueOf(r.status()),
                exchange.head || r.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        if (!r.contentType().isEmpty()) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        r.headers().forEach((name, value) -> response.headers().set(name, value));
        if (r.stream() != null) {
            HttpUtil.setTransferEncodingChunked(response, true); // HEAD of a stream: what its GET would say
        } else {
            HttpUtil.setContentLength(response, r.body().length);
        }
        HttpUtil.setKeepAlive(response, exchange.keepAlive);
        return response;
    }

    private static Map<String, List<String>> headers(FullHttpRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(header.getValue());
        }
        return headers;
    }

    private static InetSocketAddress remoteAddress(ChannelHandlerContext ctx) {
        InetSocketAddress address = ClientAddress.of(ctx.channel());
        return address != null ? address : InetSocketAddress.createUnresolved("unknown", 0);
    }

    /** The sink of one streamed answer; thread-safe, every channel operation is Netty's thread-safe one. */
    private final class ChannelStreamSink implements StreamSink {
        private final ChannelHandlerContext ctx;
        private final Exchange exchange;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicReference<Runnable> writable = new AtomicReference<>();
        private final List<Runnable> closeCallbacks = new CopyOnWriteArrayList<>();

        ChannelStreamSink(ChannelHandlerContext ctx, Exchange exchange) {
            this.ctx = ctx;
            this.exchange = exchange;
        }

        @Override
        public boolean write(byte[] bytes) {
            if (!isOpen()) {
                return false;
            }
            if (bytes.length > 0) {
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), ctx.voidPromise());
            }
            return ctx.channel().isWritable();
        }

        @Override
        public void flush() {
            if (isOpen()) {
                ctx.flush();
            }
        }

        @Override
        public boolean isWritable() {
            return isOpen() && ctx.channel().isWritable();
        }

        @Override
        public boolean isOpen() {
            return !ended.get() && !closed.get() && ctx.channel().isActive();
        }

        @Override
        public void whenWritable(Runnable callback) {
            writable.set(callback);
            if (!isOpen() || ctx.channel().isWritable()) {
                ctx.executor().execute(this::fireWritable);
            }
        }

        void fireWritable() {
            Runnable callback = writable.getAndSet(null);
            if (callback != null) {
                callback.run();
            }
        }

        @Override
        public void end() {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            if (!ctx.channel().isActive()) {
                ctx.executor().execute(this::closed);
                return;
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
                closed();
                if (f.isSuccess()) {
                    streamEnded(ctx, this);
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void abort() {
            if (ended.compareAndSet(false, true)) {
                ctx.close();
            }
        }

        @Override
        public void onClose(Runnable callback) {
            closeCallbacks.add(callback);
            if (closed.get() && closeCallbacks.remove(callback)) {
                callback.run();
            }
        }

        /** Runs the close callbacks once, and a pending writability callback so the producer sees the end. */
        void closed() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            for (Runnable callback : closeCallbacks) {
                if (closeCallbacks.remove(callback)) {
                    try {
                        callback.run();
                    } catch (RuntimeException e) {
                        log.warn("HTTP stream close callback of {} failed", exchange.target, e);
                    }
                }
            }
            fireWritable();
        }
    }

    /** One request awaiting its answer. */
    private static final class Exchange {
        final String target;
        final HttpVersion version;
        final boolean keepAlive;
        final boolean head;
        HttpResponse response;

        Exchange(String target, HttpVersion version, boolean keepAlive, boolean head) {
            this.target = target;
            this.version = version;
            this.keepAlive = keepAlive;
            this.head = head;
        }
    }
}
