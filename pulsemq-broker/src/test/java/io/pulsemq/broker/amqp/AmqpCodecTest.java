package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.Frame;
import com.rabbitmq.client.impl.Method;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The frames {@link AmqpCodec} writes are the ones RabbitMQ's own client writes and reads back. */
class AmqpCodecTest {

    private static final int FRAME_MAX = 4096;

    @Test
    void delivery_withPropertiesAndHeaders_isWhatTheClientLibraryEncodes() throws IOException {
        Method deliver = new AMQImpl.Basic.Deliver("amq.ctag-1", 42, true, "", "STATUS");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId("1234")
                .timestamp(new Date(1_700_000_000_000L))
                .headers(Map.of("x-stream-offset", 1234L, "clientId", "GID_a@@@dev-1"))
                .build();
        byte[] body = "{\"clientId\":\"GID_a@@@dev-1\",\"eventType\":\"connect\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(bytes(AmqpCodec.content(ByteBufAllocator.DEFAULT, 3, deliver, props, body, FRAME_MAX)))
                .isEqualTo(reference(3, deliver, props, body, FRAME_MAX));
    }

    @Test
    void bodyLargerThanFrameMax_isSplitIntoBodyFrames_thatReadBackWhole() throws IOException {
        Method deliver = new AMQImpl.Basic.Deliver("c", 1, false, "", "devices");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().build();
        byte[] body = new byte[FRAME_MAX * 2 + 100];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }

        byte[] encoded = bytes(AmqpCodec.content(ByteBufAllocator.DEFAULT, 1, deliver, props, body, FRAME_MAX));

        assertThat(encoded).isEqualTo(reference(1, deliver, props, body, FRAME_MAX));
        List<Frame> frames = new ArrayList<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        while (in.available() > 0) {
            frames.add(Frame.readFrom(in));
        }
        assertThat(frames).extracting(f -> f.type).containsExactly(1, 2, 3, 3, 3);
        assertThat(AMQImpl.readContentHeaderFrom(frames.get(1).getInputStream()).getBodySize()).isEqualTo(body.length);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        frames.subList(2, 5).forEach(f -> joined.writeBytes(f.getPayload()));
        assertThat(joined.toByteArray()).isEqualTo(body);
        assertThat(frames).allSatisfy(f -> assertThat(f.size()).isLessThanOrEqualTo(FRAME_MAX));
    }

    @Test
    void method_withoutContent_isWhatTheClientLibraryEncodes() throws IOException {
        Method close = new AMQImpl.Connection.Close(320, "CONNECTION_FORCED - broker shutdown", 0, 0);

        byte[] encoded = bytes(AmqpCodec.method(ByteBufAllocator.DEFAULT, 0, close));

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        close.toFrame(0).writeTo(new DataOutputStream(expected));
        assertThat(encoded).isEqualTo(expected.toByteArray());
        Method decoded = AMQImpl.readMethodFrom(Frame.readFrom(new DataInputStream(new ByteArrayInputStream(encoded)))
                .getInputStream());
        assertThat(decoded).isInstanceOf(AMQImpl.Connection.Close.class);
        assertThat(((AMQImpl.Connection.Close) decoded).getReplyText()).isEqualTo("CONNECTION_FORCED - broker shutdown");
    }

    /** The frames as amqp-client builds them: {@code Method.toFrame}, {@code toFrame} of the header, body fragments. */
    private static byte[] reference(int channel, Method method, AMQP.BasicProperties props, byte[] body, int frameMax)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        method.toFrame(channel).writeTo(data);
        ((AMQContentHeader) props).toFrame(channel, body.length).writeTo(data);
        int maxBody = frameMax - 8;
        for (int offset = 0; offset < body.length; offset += maxBody) {
            Frame.fromBodyFragment(channel, body, offset, Math.min(maxBody, body.length - offset)).writeTo(data);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuf buf) {
        try {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } finally {
            buf.release();
        }
    }
}
