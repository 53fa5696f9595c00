package io.pulsemq.broker.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code http.headerTimeout} and {@code http.requestTimeout} on a pipeline of their own, with Netty's clock under
 * the test's control.
 */
class RequestDeadlineTest {

    private static final long TIMEOUT_MS = 1000;
    private static final long REQUEST_TIMEOUT_MS = 3000;

    private final LimitHits hits = new LimitHits();
    private final List<Object> received = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        RequestDeadline deadline = new RequestDeadline(TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS),
                TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MS), hits);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(RequestDeadline.RAW, deadline.rawSide())
                .addLast("codec", new HttpServerCodec())
                .addLast(RequestDeadline.DECODED, deadline.decodedSide())
                .addLast("sink", new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        received.add(msg instanceof HttpObject && !(msg instanceof FullHttpRequest) ? msg.getClass() : msg);
                        if (!(msg instanceof FullHttpRequest)) {
                            ReferenceCountUtil.release(msg);
                        }
                    }
                });
    }

    private void send(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    private void advance(long ms) {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private List<FullHttpRequest> failedRequests() {
        return received.stream().filter(FullHttpRequest.class::isInstance).map(FullHttpRequest.class::cast)
                .filter(r -> r.decoderResult().isFailure()).toList();
    }

    @Test
    void headTrickledInPastTheTimeout_becomesAFailedRequest_andReadingStops() {
        send("GET /health HTTP/1.1\r\n");
        advance(TIMEOUT_MS / 2);
        send("Host: x\r\n"); // bytes keep coming: an idle timeout would never fire
        advance(TIMEOUT_MS / 2 + 1);

        assertThat(failedRequests()).singleElement().satisfies(r -> assertThat(r.decoderResult().cause())
                .isInstanceOfSatisfying(RequestDeadline.LateRequestException.class, e ->
                        assertThat(e.limit()).isEqualTo(Limit.HTTP_HEADER_TIMEOUT)));
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(hits.count(Limit.HTTP_HEADER_TIMEOUT)).isEqualTo(1);

        send("\r\n"); // the head completes too late: nothing more is passed on
        assertThat(received.stream().filter(m -> m instanceof Class<?> c && HttpRequest.class.isAssignableFrom(c)))
                .isEmpty();
    }

    @Test
    void headCompleteInTime_isPassedOn_andNothingFiresLater() {
        send("GET /health HTTP/1.1\r\nHost: x\r\n");
        advance(TIMEOUT_MS - 1);
        send("\r\n");
        advance(10 * TIMEOUT_MS);

        assertThat(failedRequests()).isEmpty();
        assertThat(received).isNotEmpty();
        assertThat(hits.count(Limit.HTTP_HEADER_TIMEOUT)).isZero();
    }

    @Test
    void keepAliveWaitBetweenRequests_isNotTimed_theNextHeadIs() {
        send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        advance(10 * TIMEOUT_MS); // waiting for the next request is the idle timeout's business
        assertThat(failedRequests()).isEmpty();

        send("GET /health HTTP/1.1\r\n"); // the next head starts its own deadline
        advance(TIMEOUT_MS + 1);
        assertThat(failedRequests()).hasSize(1);
    }

    @Test
    void bodyAnnouncedAndNeverSent_pastTheRequestTimeout_becomesAFailedRequest_andReadingStops() {
        send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
        advance(REQUEST_TIMEOUT_MS - 1);
        assertThat(failedRequests()).isEmpty(); // the head arrived in time: its own deadline is over

        advance(1);

        assertThat(failedRequests()).singleElement().satisfies(r -> assertThat(r.decoderResult().cause())
                .isInstanceOfSatisfying(RequestDeadline.LateRequestException.class, e ->
                        assertThat(e.limit()).isEqualTo(Limit.HTTP_REQUEST_TIMEOUT)));
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(hits.count(Limit.HTTP_REQUEST_TIMEOUT)).isEqualTo(1);
        assertThat(hits.count(Limit.HTTP_HEADER_TIMEOUT)).isZero();
    }

    @Test
    void bodyTrickledIn_pastTheRequestTimeout_isCutOff_theLateRestIsNotPassedOn() {
        send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n");
        for (int i = 0; i < 2; i++) {
            advance(REQUEST_TIMEOUT_MS / 2 - 1);
            send("a"); // a byte now and then: an idle timeout would never fire
        }
        advance(2);
        assertThat(failedRequests()).hasSize(1);

        send("b"); // the body's last byte, too late
        assertThat(received).noneMatch(m -> m instanceof Class<?> c && LastHttpContent.class.isAssignableFrom(c));
    }

    @Test
    void requestWithItsBodyInTime_isPassedOn_andTheNextRequestHasItsOwnDeadline() {
        send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\na");
        advance(REQUEST_TIMEOUT_MS - 1);
        send("b");
        advance(10 * REQUEST_TIMEOUT_MS); // between requests nothing is timed
        assertThat(failedRequests()).isEmpty();
        assertThat(hits.count(Limit.HTTP_REQUEST_TIMEOUT)).isZero();

        send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n");
        advance(REQUEST_TIMEOUT_MS);
        assertThat(failedRequests()).hasSize(1);
    }
}
