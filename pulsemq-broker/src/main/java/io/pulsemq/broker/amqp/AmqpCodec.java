package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.ContentHeaderPropertyWriter;
import com.rabbitmq.client.impl.Method;
import com.rabbitmq.client.impl.MethodArgumentWriter;
import com.rabbitmq.client.impl.ValueWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Reads and writes AMQP methods and content with RabbitMQ's {@code amqp-client} codec ({@link AMQImpl}
 * is generated from the AMQP 0-9-1 specification and covers every method and field-table type), framed by
 * us: type, channel, size, payload, {@code 0xCE} [AMQP 0-9-1 4.2.3]. Stateless.
 */
final class AmqpCodec {

    private static final int FRAME_END = 0xCE;
    private static final int FRAME_OVERHEAD = 8;
    /** First guesses of a method and a content header frame's size (the buffer grows if needed). */
    private static final int METHOD_ESTIMATE = 128;
    private static final int HEADER_ESTIMATE = 128;

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
        ByteBuf out = alloc.buffer(METHOD_ESTIMATE);
        try {
            writeMethod(out, channel, method);
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            throw new IllegalStateException("cannot encode " + method.protocolMethodName(), e);
        }
    }

    /**
     * Encodes a method with content: the method frame, the content header frame and as many body frames
     * as {@code frameMax} requires [AMQP 0-9-1 4.2.6], in one buffer. Method arguments and properties are
     * written by {@code amqp-client}'s encoders straight into the buffer (no intermediate frames or arrays).
     */
    static ByteBuf content(ByteBufAllocator alloc, int channel, Method method, AMQP.BasicProperties props,
                           byte[] body, int frameMax) {
        int maxBody = frameMax - FRAME_OVERHEAD;
        int bodyFrames = body.length == 0 ? 0 : (body.length + maxBody - 1) / maxBody;
        ByteBuf out = alloc.buffer(METHOD_ESTIMATE + HEADER_ESTIMATE + body.length + bodyFrames * FRAME_OVERHEAD);
        try {
            writeMethod(out, channel, method);
            int size = startFrame(out, AmqpFrame.HEADER, channel);
            DataOutputStream data = new DataOutputStream(new ByteBufOutputStream(out));
            data.writeShort(((AMQContentHeader) props).getClassId());
            data.writeShort(0); // weight
            data.writeLong(body.length);
            ((AMQContentHeader) props).writePropertiesTo(new ContentHeaderPropertyWriter(data));
            endFrame(out, size);
            for (int offset = 0; offset < body.length; offset += maxBody) {
                int len = Math.min(maxBody, body.length - offset);
                out.writeByte(AmqpFrame.BODY).writeShort(channel).writeInt(len).writeBytes(body, offset, len)
                        .writeByte(FRAME_END);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            throw new IllegalStateException("cannot encode " + method.protocolMethodName(), e);
        }
    }

    /** A heartbeat frame [AMQP 0-9-1 4.2.7]. */
    static ByteBuf heartbeat(ByteBufAllocator alloc) {
        return alloc.buffer(FRAME_OVERHEAD).writeByte(AmqpFrame.HEARTBEAT).writeShort(0).writeInt(0)
                .writeByte(FRAME_END);
    }

    private static void writeMethod(ByteBuf out, int channel, Method method) throws IOException {
        int size = startFrame(out, AmqpFrame.METHOD, channel);
        DataOutputStream data = new DataOutputStream(new ByteBufOutputStream(out));
        data.writeShort(method.protocolClassId());
        data.writeShort(method.protocolMethodId());
        MethodArgumentWriter args = new MethodArgumentWriter(new ValueWriter(data));
        method.writeArgumentsTo(args);
        args.flush();
        endFrame(out, size);
    }

    /** Writes a frame's type and channel and a placeholder for its size; answers where the size goes. */
    private static int startFrame(ByteBuf out, int type, int channel) {
        out.writeByte(type).writeShort(channel);
        int size = out.writerIndex();
        out.writeInt(0);
        return size;
    }

    /** Fills in the size of the frame started at {@code size} and ends it. */
    private static void endFrame(ByteBuf out, int size) {
        out.setInt(size, out.writerIndex() - size - 4);
        out.writeByte(FRAME_END);
    }
}
