package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.Frame;
import com.rabbitmq.client.impl.Method;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads and writes AMQP methods and content with RabbitMQ's {@code amqp-client} codec ({@link AMQImpl}
 * is generated from the AMQP 0-9-1 specification and covers every method and field-table type), framed by
 * us: type, channel, size, payload, {@code 0xCE} [AMQP 0-9-1 4.2.3]. Stateless.
 */
final class AmqpCodec {

    private static final int FRAME_END = 0xCE;
    private static final int FRAME_OVERHEAD = 8;
    private static final byte[] EMPTY = new byte[0];

    private AmqpCodec() {
    }

    /** Decodes a method frame's payload; throws {@link IOException} (including unknown class or method IDs). */
    static Method readMethod(byte[] payload) throws IOException {
        return AMQImpl.readMethodFrom(new DataInputStream(new ByteArrayInputStream(payload)));
    }

    /** Decodes a content header frame's payload. */
    static AMQContentHeader readContentHeader(byte[] payload) throws IOException {
        return AMQImpl.readContentHeaderFrom(new DataInputStream(new ByteArrayInputStream(payload)));
    }

    /** Encodes a method as one frame. */
    static ByteBuf method(ByteBufAllocator alloc, int channel, Method method) {
        try {
            return frame(alloc, method.toFrame(channel));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + method.protocolMethodName(), e);
        }
    }

    /**
     * Encodes a method with content: the method frame, the content header frame and as many body frames
     * as {@code frameMax} requires [AMQP 0-9-1 4.2.6], in one buffer.
     */
    static ByteBuf content(ByteBufAllocator alloc, int channel, Method method, AMQP.BasicProperties props,
                           byte[] body, int frameMax) {
        try {
            Frame m = method.toFrame(channel);
            Frame h = ((AMQContentHeader) props).toFrame(channel, body.length);
            int maxBody = frameMax - FRAME_OVERHEAD;
            int bodyFrames = body.length == 0 ? 0 : (body.length + maxBody - 1) / maxBody;
            ByteBuf out = alloc.buffer(m.size() + h.size() + body.length + bodyFrames * FRAME_OVERHEAD);
            write(out, m);
            write(out, h);
            for (int offset = 0; offset < body.length; offset += maxBody) {
                int len = Math.min(maxBody, body.length - offset);
                out.writeByte(AmqpFrame.BODY).writeShort(channel).writeInt(len).writeBytes(body, offset, len)
                        .writeByte(FRAME_END);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + method.protocolMethodName(), e);
        }
    }

    /** A heartbeat frame [AMQP 0-9-1 4.2.7]. */
    static ByteBuf heartbeat(ByteBufAllocator alloc) {
        return alloc.buffer(FRAME_OVERHEAD).writeByte(AmqpFrame.HEARTBEAT).writeShort(0).writeInt(0)
                .writeByte(FRAME_END);
    }

    private static ByteBuf frame(ByteBufAllocator alloc, Frame f) {
        ByteBuf out = alloc.buffer(f.size());
        write(out, f);
        return out;
    }

    private static void write(ByteBuf out, Frame f) {
        byte[] payload = f.getPayload();
        payload = payload == null ? EMPTY : payload;
        out.writeByte(f.type).writeShort(f.channel).writeInt(payload.length).writeBytes(payload).writeByte(FRAME_END);
    }
}
