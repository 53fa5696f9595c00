package io.pulsemq.broker.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadPauseTest {

    private final ReadPauses stats = new ReadPauses();

    /** A channel with an 1/2 KiB water mark whose last handler follows writability, as the connections do. */
    private static final class Following extends ChannelInboundHandlerAdapter {
        private final ReadPauses stats;
        ReadPause pause;

        Following(ReadPauses stats) {
            this.stats = stats;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            pause = new ReadPause(ctx.channel(), stats);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pause.followWritability();
        }
    }

    private final Following handler = new Following(stats);
    private final EmbeddedChannel channel = newChannel(handler);

    private static EmbeddedChannel newChannel(Following handler) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 2048));
        ch.pipeline().addLast(handler);
        return ch;
    }

    /**
     * Writes (not flushed) {@code bytes} outbound bytes: they count towards the water mark until flushed, with
     * Netty's per-message overhead.
     */
    private void buffer(int bytes) {
        channel.write(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    /** Flushes what was buffered and drops it, as a peer that reads. */
    private void drain() {
        channel.flush();
        for (Object m = channel.readOutbound(); m != null; m = channel.readOutbound()) {
            io.netty.util.ReferenceCountUtil.release(m);
        }
    }

    @Test
    void outboundAboveHighWaterMark_stopsReadingUntilItDrains() {
        buffer(512);
        assertThat(channel.config().isAutoRead()).as("below the high mark").isTrue();

        buffer(2048);
        assertThat(channel.config().isAutoRead()).as("above the high mark").isFalse();
        assertThat(stats.pausedNow()).isEqualTo(1);

        drain();
        assertThat(channel.config().isAutoRead()).as("drained").isTrue();
        assertThat(stats.pausedNow()).isZero();
        assertThat(stats.pausesTotal()).isEqualTo(1);
    }

    @Test
    void drainWhileLoginThrottled_keepsTheConnectionUnread() {
        handler.pause.pause(ReadPause.Reason.LOGIN_THROTTLE);
        buffer(4096);
        drain();

        assertThat(channel.config().isAutoRead()).as("still throttled").isFalse();
        assertThat(handler.pause.holds(ReadPause.Reason.BACKPRESSURE)).isFalse();
        assertThat(stats.pausedNow()).isZero();
        assertThat(stats.pausesTotal()).as("the backpressure pause is counted").isEqualTo(1);
    }

    @Test
    void throttleLiftedWhileBackpressured_staysUnreadUntilDrained() {
        handler.pause.pause(ReadPause.Reason.LOGIN_THROTTLE);
        buffer(4096);
        handler.pause.resume(ReadPause.Reason.LOGIN_THROTTLE);
        assertThat(channel.config().isAutoRead()).as("still above the high mark").isFalse();

        drain();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void connectionEndsWhilePaused_noLongerCountsAsPaused() {
        buffer(4096);
        assertThat(stats.pausedNow()).isEqualTo(1);

        handler.pause.ended();
        channel.close();
        handler.pause.followWritability(); // a closed channel is never writable

        assertThat(stats.pausedNow()).isZero();
    }
}
