package io.pulsemq.broker.mqtt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;

import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: bytes from a client into a real {@link MqttConnection} (decoder, connection, session registry,
 * router, in-memory stores). The first input byte picks how the connection starts: {@code 0} the bytes are
 * everything the client sends (CONNECT included), {@code 1}, {@code 2}, {@code 3} a valid MQTT 3.1, 3.1.1 or 5.0
 * CONNECT comes first and the bytes follow it, so the fuzzer spends its time past the handshake.
 *
 * <p>What must hold for every input: nothing escapes the pipeline (an exception reaching its end is a bug), and
 * every byte the broker sends back is well-formed MQTT of the connection's version (a client decoder reads it
 * without error). {@code mvn verify} replays the committed inputs under
 * {@code src/test/resources/io/pulsemq/broker/mqtt/MqttConnectionFuzzTestInputs/}; fuzzing: docs/operations.md.
 */
class MqttConnectionFuzzTest {

    private static final int MAX_PACKET = 64 * 1024;
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

    @AfterAll
    static void stopTimer() {
        TIMER.shutdownNow();
    }

    @FuzzTest(maxDuration = "10m")
    void clientBytes(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int start = input[0] & 0x03;
        EmbeddedChannel ch = TestMqttServices.channel(TestMqttServices.create(TIMER, MAX_PACKET));
        ByteBuf sent = Unpooled.buffer();
        try {
            if (start > 0) {
                ch.writeInbound(Unpooled.wrappedBuffer(connect(start)));
                drain(ch, sent);
            }
            assertThat(ch.isOpen()).as("the broker accepts the CONNECT").isTrue();
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, 1, input.length)));
            ch.runPendingTasks();
            drain(ch, sent);
            ch.checkException();
            ch.close();
            ch.runPendingTasks();
            drain(ch, sent);
            assertWellFormed(sent, start);
        } finally {
            sent.release();
            ch.finishAndReleaseAll();
        }
    }

    /** A valid CONNECT: 1 = MQTT 3.1 ("MQIsdp", level 3), 2 = 3.1.1, 3 = 5.0; clean session, client ID "fuzz". */
    static byte[] connect(int start) {
        return switch (start) {
            case 1 -> new byte[] {0x10, 0x12, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x3C,
                    0x00, 0x04, 'f', 'u', 'z', 'z'};
            case 2 -> new byte[] {0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,
                    0x00, 0x04, 'f', 'u', 'z', 'z'};
            case 3 -> new byte[] {0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00,
                    0x00, 0x04, 'f', 'u', 'z', 'z'};
            default -> throw new IllegalArgumentException("start " + start);
        };
    }

    private static void drain(EmbeddedChannel ch, ByteBuf sent) {
        for (Object out = ch.readOutbound(); out != null; out = ch.readOutbound()) {
            ByteBuf b = (ByteBuf) out;
            sent.writeBytes(b);
            b.release();
        }
    }

    /**
     * Decodes what the broker sent as a client of the connection's version would; for a connection started by the
     * input itself, as MQTT 3.1.1 or as MQTT 5.0 (whichever the input asked for).
     */
    private static void assertWellFormed(ByteBuf sent, int start) {
        if (start == 0) {
            String v311 = malformed(sent, MqttVersion.MQTT_3_1_1);
            String v5 = malformed(sent, MqttVersion.MQTT_5);
            assertThat(v311 == null || v5 == null).as("broker sent a malformed packet: %s / %s", v311, v5).isTrue();
        } else {
            MqttVersion version = start == 1 ? MqttVersion.MQTT_3_1 : start == 2 ? MqttVersion.MQTT_3_1_1
                    : MqttVersion.MQTT_5;
            String error = malformed(sent, version);
            assertThat(error).as("broker sent a malformed packet").isNull();
        }
    }

    /** The first packet in {@code sent} a {@code version} client cannot decode, described; null if all decode. */
    private static String malformed(ByteBuf sent, MqttVersion version) {
        EmbeddedChannel client = new EmbeddedChannel(new MqttDecoder(Integer.MAX_VALUE), MqttEncoder.INSTANCE);
        try {
            // Encoding a CONNECT tells the client's codec its protocol version, as on a real client.
            client.writeOutbound(MqttMessageBuilders.connect().clientId("fuzz").protocolVersion(version).build());
            client.outboundMessages().forEach(ReferenceCountUtil::release);
            client.outboundMessages().clear();
            client.writeInbound(sent.retainedDuplicate());
            for (Object in = client.readInbound(); in != null; in = client.readInbound()) {
                MqttMessage m = (MqttMessage) in;
                ReferenceCountUtil.release(m);
                if (!m.decoderResult().isSuccess()) {
                    return m.fixedHeader() + ": " + m.decoderResult().cause();
                }
            }
            return null;
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
