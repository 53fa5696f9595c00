package io.pulsemq.broker.amqp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into {@link AmqpFrame}s. First checks the 8-byte protocol header
 * {@code "AMQP" 0 0 9 1}; a client offering anything else gets the supported header back and the
 * connection is closed [AMQP 0-9-1 4.2.2]. Then reads frames: type (1 byte), channel (2), size (4),
 * payload, frame-end {@code 0xCE} [AMQP 0-9-1 4.2.3]. A frame larger than the negotiated frame-max, a
 * wrong frame-end or an unknown frame type produce one {@link AmqpFrame#MALFORMED} value, after which
 * the decoder discards all input. Confined to the channel's event loop.
 */
final class AmqpFrameDecoder extends ByteToMessageDecoder {

    static final String HANDLER_NAME = "amqp-decoder";
    static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    private static final int FRAME_END = 0xCE;
    private static final int FRAME_OVERHEAD = 8;

    private boolean headerSeen;
    private boolean failed;
    private int frameMax;

    /** @param frameMax the largest frame accepted before tuning completes (and until {@link #frameMax(int)}) */
    AmqpFrameDecoder(int frameMax) {
        this.frameMax = frameMax;
    }

    /** Sets the negotiated frame-max (whole frame, header and end byte included). */
    void frameMax(int max) {
        frameMax = max;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!headerSeen) {
            if (in.readableBytes() < PROTOCOL_HEADER.length) {
                return;
            }
            for (int i = 0; i < PROTOCOL_HEADER.length; i++) {
                if (in.getByte(in.readerIndex() + i) != PROTOCOL_HEADER[i]) {
                    failed = true;
                    in.skipBytes(in.readableBytes());
                    // [AMQP 0-9-1 4.2.2] answer with the header we support, then close
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(PROTOCOL_HEADER)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            }
            in.skipBytes(PROTOCOL_HEADER.length);
            headerSeen = true;
            out.add(new AmqpFrame(AmqpFrame.PROTOCOL_HEADER, 0, new byte[0], null));
        }
        while (in.readableBytes() >= 7) {
            int start = in.readerIndex();
            int type = in.getUnsignedByte(start);
            int channel = in.getUnsignedShort(start + 1);
            long size = in.getUnsignedInt(start + 3);
            if (type != AmqpFrame.METHOD && type != AmqpFrame.HEADER && type != AmqpFrame.BODY
                    && type != AmqpFrame.HEARTBEAT) {
                fail(in, out, "unknown frame type " + type);
                return;
            }
            if (size + FRAME_OVERHEAD > frameMax) {
                fail(in, out, "frame of " + (size + FRAME_OVERHEAD) + " bytes exceeds frame-max " + frameMax);
                return;
            }
            if (in.readableBytes() < size + FRAME_OVERHEAD) {
                return;
            }
            if (in.getUnsignedByte(start + 7 + (int) size) != FRAME_END) {
                fail(in, out, "frame-end octet missing"); // [AMQP 0-9-1 4.2.3]
                return;
            }
            byte[] payload = new byte[(int) size];
            in.getBytes(start + 7, payload);
            in.skipBytes((int) size + FRAME_OVERHEAD);
            out.add(new AmqpFrame(type, channel, payload, null));
        }
    }

    private void fail(ByteBuf in, List<Object> out, String error) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(AmqpFrame.malformed(error));
    }
}
