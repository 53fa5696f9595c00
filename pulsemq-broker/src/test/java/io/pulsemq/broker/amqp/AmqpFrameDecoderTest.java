package io.pulsemq.broker.amqp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AmqpFrameDecoderTest {

    private static final byte[] HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

    @Test
    void header_thenFramesSplitAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new AmqpFrameDecoder(4096));
        ch.writeInbound(Unpooled.wrappedBuffer(HEADER));
        assertThat(((AmqpFrame) ch.readInbound()).type()).isEqualTo(AmqpFrame.PROTOCOL_HEADER);
        byte[] frame = {
            1,          // type: method
            0, 5,       // channel 5
            0, 0, 0, 4, // size 4
            0, 60, 0, 80, // payload: class 60 (basic), method 80 (ack), truncated on purpose
            (byte) 0xCE // frame-end
        };
        ch.writeInbound(Unpooled.wrappedBuffer(frame, 0, 5));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(Unpooled.wrappedBuffer(frame, 5, frame.length - 5));
        AmqpFrame f = ch.readInbound();
        assertThat(f.type()).isEqualTo(AmqpFrame.METHOD);
        assertThat(f.channel()).isEqualTo(5);
        assertThat(f.payload()).containsExactly(0, 60, 0, 80);
    }

    @Test
    void wrongProtocolHeader_answeredWithOurs_andClosed() {
        EmbeddedChannel ch = new EmbeddedChannel(new AmqpFrameDecoder(4096));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'H', 'T', 'T', 'P', '/', '1', '.', '1'}));
        ByteBuf answer = ch.readOutbound();
        byte[] bytes = new byte[answer.readableBytes()];
        answer.readBytes(bytes);
        answer.release();
        assertThat(bytes).isEqualTo(HEADER);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void missingFrameEnd_unknownType_oversized_areMalformed_andLaterInputIgnored() {
        assertMalformed(new byte[] {1, 0, 0, 0, 0, 0, 0, 0x00}, "frame-end");
        assertMalformed(new byte[] {7, 0, 0, 0, 0, 0, 0, (byte) 0xCE}, "unknown frame type");
        assertMalformed(new byte[] {3, 0, 1, 0, 0, 0x10, 0x00}, "exceeds frame-max"); // 4096-byte body > 4096 frame
    }

    private static void assertMalformed(byte[] frame, String error) {
        EmbeddedChannel ch = new EmbeddedChannel(new AmqpFrameDecoder(4096));
        ch.writeInbound(Unpooled.wrappedBuffer(HEADER));
        ch.readInbound();
        ch.writeInbound(Unpooled.wrappedBuffer(frame));
        AmqpFrame f = ch.readInbound();
        assertThat(f.type()).isEqualTo(AmqpFrame.MALFORMED);
        assertThat(f.error()).contains(error);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {8, 0, 0, 0, 0, 0, 0, (byte) 0xCE}));
        assertThat((Object) ch.readInbound()).isNull();
    }
}
