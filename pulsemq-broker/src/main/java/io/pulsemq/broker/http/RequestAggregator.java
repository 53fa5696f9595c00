package io.pulsemq.broker.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.util.ReferenceCountUtil;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;

import java.nio.charset.StandardCharsets;

/**
 * {@link HttpObjectAggregator} whose "too large" answers are JSON like every other error. An oversized body is
 * passed on as a failed request so that the {@link HttpDispatcher} answers it in order; an oversized
 * {@code Expect: 100-continue} is refused at once, before the body is sent.
 */
final class RequestAggregator extends HttpObjectAggregator {

    /** Pipeline name. */
    static final String NAME = "http-aggregator";

    private final LimitHits hits;

    RequestAggregator(int maxContentLength, LimitHits hits) {
        super(maxContentLength);
        this.hits = hits;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest request)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        FullHttpRequest failed = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(
                new TooLongHttpContentException("request body exceeds " + maxContentLength() + " bytes")));
        ctx.fireChannelRead(failed);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
        if (answer instanceof HttpResponse response && response.status().code() >= 400) {
            HttpResponseStatus status = response.status();
            ReferenceCountUtil.release(answer);
            if (status.code() == 413) {
                hits.hit(Limit.HTTP_MAX_BODY_SIZE);
            }
            String body = status.code() == 413
                    ? "{\"error\":\"payload_too_large\",\"message\":\"Request body too large\"}"
                    : "{\"error\":\"expectation_failed\",\"message\":\"Unsupported Expect header\"}";
            FullHttpResponse json = new DefaultFullHttpResponse(start.protocolVersion(), status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            json.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            HttpUtil.setContentLength(json, json.content().readableBytes());
            return json;
        }
        return answer;
    }
}
