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
import io.netty.util.concurrent.ScheduledFuture;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;

import java.util.concurrent.TimeUnit;

/**
 * {@code http.headerTimeout}: once the first byte of a request arrives, its head (request line and headers) must be
 * complete within the timeout, however slowly the bytes trickle in (a slowloris client keeps the idle timeout from
 * ever firing). A head that takes longer becomes a failed request, answered {@code 408} in order by the
 * {@link HttpDispatcher}, after which the connection closes; nothing more is read from it.
 *
 * <p>Two handlers share the state: {@link #rawSide()} sits before the HTTP codec and sees the first bytes of a
 * request, {@link #decodedSide()} sits after it and sees the head complete (and the request end, after which the
 * next bytes start the next head's deadline). Waiting between requests is the idle timeout's business. One instance
 * per connection; both handlers run on its event loop.
 */
final class RequestHeadDeadline {

    /** Pipeline name of the handler before the codec. */
    static final String RAW = "http-head-deadline-raw";
    /** Pipeline name of the handler after the codec. */
    static final String DECODED = "http-head-deadline";

    private final long timeoutNanos;
    private final LimitHits hits;
    private ScheduledFuture<?> timer;
    private boolean awaitingHead = true;
    private boolean expired;

    RequestHeadDeadline(long timeoutNanos, LimitHits hits) {
        this.timeoutNanos = timeoutNanos;
        this.hits = hits;
    }

    /** The handler before the codec: starts the deadline at a request's first byte. */
    ChannelInboundHandlerAdapter rawSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (awaitingHead && timer == null && !expired && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                    ChannelHandlerContext decoded = ctx.pipeline().context(DECODED);
                    timer = ctx.executor().schedule(() -> expire(decoded), timeoutNanos, TimeUnit.NANOSECONDS);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                cancel();
                super.channelInactive(ctx);
            }
        };
    }

    /** The handler after the codec: a complete head stops the deadline, the request's end re-arms it. */
    ChannelInboundHandlerAdapter decodedSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (expired) {
                    io.netty.util.ReferenceCountUtil.release(msg); // already answered 408: the rest is not read
                    return;
                }
                if (msg instanceof HttpRequest) {
                    cancel();
                    awaitingHead = false;
                }
                if (msg instanceof LastHttpContent) {
                    awaitingHead = true;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(ChannelHandlerContext decoded) {
        timer = null;
        if (!awaitingHead || expired || decoded == null || decoded.isRemoved() || !decoded.channel().isActive()) {
            return;
        }
        expired = true;
        hits.hit(Limit.HTTP_HEADER_TIMEOUT);
        decoded.channel().config().setAutoRead(false);
        FullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new HeadTimeoutException()));
        decoded.fireChannelRead(failed);
    }

    /** The cause of the failed request that stands for a head that did not arrive in time. */
    static final class HeadTimeoutException extends RuntimeException {
        HeadTimeoutException() {
            super("request head not received within http.headerTimeout", null, false, false);
        }
    }
}
