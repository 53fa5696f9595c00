package io.pulsemq.broker.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;

import java.util.concurrent.TimeUnit;

/**
 * {@code http.headerTimeout} and {@code http.requestTimeout}: once the first byte of a request arrives, its head
 * (request line and headers) must be complete within the header timeout, and the whole request, head and body,
 * within the request timeout, however slowly the bytes trickle in. A slowloris client keeps the idle timeout from
 * ever firing by sending a byte now and then, in the head or in a body its {@code Content-Length} announced (or by
 * announcing a body and sending none: the request is then still in progress, which the idle timeout leaves alone).
 * A request that takes longer becomes a failed request, answered {@code 408} in order by the
 * {@link HttpDispatcher}, after which the connection closes; nothing more is read from it, and the part of the
 * request read so far is released with the connection. The deadline that expired is counted in its own limit.
 *
 * <p>Both deadlines start at the same first byte. The head's ends with the head, the request's with the request's
 * last content; if the request timeout is the shorter one, it bounds the head too. Waiting between requests is
 * the idle timeout's business.
 *
 * <p>Two handlers share the state: {@link #rawSide()} sits before the HTTP codec and sees the first bytes of a
 * request, {@link #decodedSide()} sits after it and sees the head complete and the request end, after which the
 * next bytes start the next request's deadlines. One instance per connection; both handlers run on its event loop.
 */
final class RequestDeadline {

    /** Pipeline name of the handler before the codec. */
    static final String RAW = "http-deadline-raw";
    /** Pipeline name of the handler after the codec. */
    static final String DECODED = "http-deadline";

    /** Where the connection is in its current request. */
    private enum Phase { BETWEEN_REQUESTS, HEAD, BODY }

    private final long headTimeoutNanos;
    private final long requestTimeoutNanos;
    private final LimitHits hits;
    private Phase phase = Phase.BETWEEN_REQUESTS;
    private ScheduledFuture<?> headTimer;
    private ScheduledFuture<?> requestTimer;
    private boolean expired;

    /**
     * @param headTimeoutNanos    time from a request's first byte to the end of its head
     * @param requestTimeoutNanos time from a request's first byte to the end of its body
     * @param hits                where an expired deadline is counted
     */
    RequestDeadline(long headTimeoutNanos, long requestTimeoutNanos, LimitHits hits) {
        this.headTimeoutNanos = headTimeoutNanos;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.hits = hits;
    }

    /** The handler before the codec: starts both deadlines at a request's first byte. */
    ChannelInboundHandlerAdapter rawSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (phase == Phase.BETWEEN_REQUESTS && !expired && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                    phase = Phase.HEAD;
                    ChannelHandlerContext decoded = ctx.pipeline().context(DECODED);
                    headTimer = ctx.executor().schedule(() -> expire(decoded, Limit.HTTP_HEADER_TIMEOUT),
                            headTimeoutNanos, TimeUnit.NANOSECONDS);
                    requestTimer = ctx.executor().schedule(() -> expire(decoded, Limit.HTTP_REQUEST_TIMEOUT),
                            requestTimeoutNanos, TimeUnit.NANOSECONDS);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                cancelTimers();
                super.channelInactive(ctx);
            }
        };
    }

    /** The handler after the codec: a complete head stops the head's deadline, the request's end both. */
    ChannelInboundHandlerAdapter decodedSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (expired) {
                    ReferenceCountUtil.release(msg); // already answered 408: the rest is not read
                    return;
                }
                if (msg instanceof HttpRequest) {
                    headTimer = cancel(headTimer);
                    phase = Phase.BODY;
                }
                if (msg instanceof LastHttpContent) {
                    cancelTimers();
                    phase = Phase.BETWEEN_REQUESTS;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void cancelTimers() {
        headTimer = cancel(headTimer);
        requestTimer = cancel(requestTimer);
    }

    private static ScheduledFuture<?> cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        return null;
    }

    private void expire(ChannelHandlerContext decoded, Limit limit) {
        boolean headLate = limit == Limit.HTTP_HEADER_TIMEOUT && phase == Phase.HEAD;
        boolean requestLate = limit == Limit.HTTP_REQUEST_TIMEOUT && phase != Phase.BETWEEN_REQUESTS;
        if (!(headLate || requestLate) || expired || decoded == null || decoded.isRemoved()
                || !decoded.channel().isActive()) {
            return;
        }
        expired = true;
        cancelTimers();
        hits.hit(limit);
        decoded.channel().config().setAutoRead(false);
        FullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new LateRequestException(limit)));
        decoded.fireChannelRead(failed);
    }

    /** The cause of the failed request that stands for a request (or its head) that did not arrive in time. */
    static final class LateRequestException extends RuntimeException {

        private final Limit limit;

        LateRequestException(Limit limit) {
            super((limit == Limit.HTTP_HEADER_TIMEOUT ? "request head" : "request") + " not received within "
                    + limit.key(), null, false, false);
            this.limit = limit;
        }

        /** The deadline that expired: {@link Limit#HTTP_HEADER_TIMEOUT} or {@link Limit#HTTP_REQUEST_TIMEOUT}. */
        Limit limit() {
            return limit;
        }
    }
}
