package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed, oversized and out-of-order frames close only the offending connection, with the reason
 * code the spec asks for. Byte fixtures are commented field by field.
 */
class MalformedPacketTest {

    private static final int MAX_PACKET = 1024;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final MqttServices services = TestMqttServices.create(timer, MAX_PACKET);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void reservedPacketType_closesWithoutReply() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(0x00, 0x00)); // type 0 is reserved; remaining length 0
        assertThat(ch.isOpen()).isFalse();
        assertThat((Object) ch.readOutbound()).isNull();
    }

    @Test
    void publishBeforeConnect_closes() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x30, 0x05,             // PUBLISH QoS 0, remaining length 5
                0x00, 0x01, 'a',        // topic "a"
                'h', 'i'));             // payload
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void unsupportedProtocolLevel_answersConnack0x01AndCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0D,             // CONNECT, remaining length 13
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x07,                   // protocol level 7: unknown
                0x02,                   // flags: clean session
                0x00, 0x3C,             // keep-alive 60
                0x00, 0x01, 'c'));      // client ID "c"
        ByteBuf connack = ch.readOutbound();
        assertThat(connack).isNotNull();
        assertThat(hex(connack)).isEqualTo("20020001"); // CONNACK, len 2, no session, 0x01 unacceptable version
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void v5ConnectWithReservedFlag_answersMalformed0x81() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0E,             // CONNECT, remaining length 14
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x05,                   // protocol level 5
                0x03,                   // flags: clean start + reserved bit (must be 0) [MQTT-3.1.2-3]
                0x00, 0x3C,             // keep-alive 60
                0x00,                   // properties length 0
                0x00, 0x01, 'c'));      // client ID "c"
        ByteBuf connack = ch.readOutbound();
        assertThat(hex(connack)).isEqualTo("2003008100"); // CONNACK, len 3, no session, 0x81 malformed, no properties
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void v5OversizedPublish_disconnectsWithPacketTooLarge0x95() {
        EmbeddedChannel ch = connectedV5();
        ByteBuf big = Unpooled.buffer();
        big.writeByte(0x30);                        // PUBLISH QoS 0
        big.writeBytes(new byte[]{(byte) 0x80, 0x10}); // remaining length 2048 > 1024
        big.writeBytes(new byte[2048]);
        ch.writeInbound(big);
        ByteBuf disconnect = ch.readOutbound();
        assertThat(hex(disconnect)).isEqualTo("e0029500"); // DISCONNECT, len 2, 0x95 packet too large, no properties
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void v311OversizedPublish_closesWithoutDisconnect() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0D,             // CONNECT, remaining length 13
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x04,                   // protocol level 4 (3.1.1)
                0x02,                   // clean session
                0x00, 0x3C,             // keep-alive 60
                0x00, 0x01, 'c'));      // client ID "c"
        assertThat(hex(ch.readOutbound())).isEqualTo("20020000"); // CONNACK accepted
        ByteBuf big = Unpooled.buffer();
        big.writeByte(0x30);
        big.writeBytes(new byte[]{(byte) 0x80, 0x10}); // remaining length 2048
        big.writeBytes(new byte[2048]);
        ch.writeInbound(big);
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void remainingLengthOverFourBytes_isMalformed() {
        EmbeddedChannel ch = connectedV5();
        ch.writeInbound(TestMqttServices.bytes(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)); // five length bytes [MQTT-2.2.3]
        assertThat(hex(ch.readOutbound())).isEqualTo("e0028100"); // DISCONNECT 0x81 malformed, no properties
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void secondConnect_isProtocolError0x82() {
        EmbeddedChannel ch = connectedV5();
        ch.writeInbound(v5Connect());
        assertThat(hex(ch.readOutbound())).isEqualTo("e0028200");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void publishWithWildcardTopic_isRejected() {
        EmbeddedChannel ch = connectedV5();
        ch.writeInbound(TestMqttServices.bytes(
                0x30, 0x04,             // PUBLISH QoS 0, remaining length 4
                0x00, 0x01, '#',        // topic "#": wildcards are not allowed in topic names
                0x00));                 // properties length 0
        ByteBuf reply = ch.readOutbound();
        assertThat(hex(reply)).isIn("e0028100", "e0029000"); // DISCONNECT: malformed or topic name invalid
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void unknownTopicAlias_isProtocolError() {
        EmbeddedChannel ch = connectedV5();
        ch.writeInbound(TestMqttServices.bytes(
                0x30, 0x06,             // PUBLISH QoS 0, remaining length 6
                0x00, 0x00,             // empty topic: the alias must name it
                0x03, 0x23, 0x00, 0x05)); // properties length 3: Topic Alias (0x23) = 5, never set
        assertThat(hex(ch.readOutbound())).isEqualTo("e0028200");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void qos0PublishWithDup_isMalformed() {
        EmbeddedChannel ch = connectedV5();
        ch.writeInbound(TestMqttServices.bytes(
                0x38, 0x04,             // PUBLISH, DUP=1, QoS 0: forbidden [MQTT-3.3.1-2]
                0x00, 0x01, 'a',        // topic "a"
                0x00));                 // properties length 0
        assertThat(hex(ch.readOutbound())).isEqualTo("e0028100");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void v311WillQosWithoutWillFlag_closesWithoutConnack() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0D,             // CONNECT, remaining length 13
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x04,                   // protocol level 4 (3.1.1)
                0x12,                   // flags: clean session + will QoS 2 without the will flag [MQTT-3.1.2-13]
                0x00, 0x3C,             // keep-alive 60
                0x00, 0x01, 'c'));      // client ID "c"
        assertThat((Object) ch.readOutbound()).isNull(); // 3.1.1 has no return code for a malformed CONNECT
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void v5WillQosWithoutWillFlag_answersMalformed0x81() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(TestMqttServices.bytes(
                0x10, 0x0E,             // CONNECT, remaining length 14
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x05,                   // protocol level 5
                0x12,                   // flags: clean start + will QoS 2 without the will flag
                0x00, 0x3C,             // keep-alive 60
                0x00,                   // properties length 0
                0x00, 0x01, 'c'));      // client ID "c"
        assertThat(hex(ch.readOutbound())).isEqualTo("2003008100");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void badConnectionDoesNotDisturbAnother() {
        EmbeddedChannel good = connectedV5();
        EmbeddedChannel bad = channel();
        bad.writeInbound(TestMqttServices.bytes(0xF0, 0x00)); // AUTH before CONNECT: not allowed
        assertThat(bad.isOpen()).isFalse();
        good.writeInbound(TestMqttServices.bytes(0xC0, 0x00)); // PINGREQ
        assertThat(hex(good.readOutbound())).isEqualTo("d000"); // PINGRESP
        assertThat(good.isOpen()).isTrue();
    }

    // ---- fixtures ------------------------------------------------------------------------------

    private EmbeddedChannel connectedV5() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(v5Connect());
        String connack = hex(ch.readOutbound());
        assertThat(connack).startsWith("20"); // CONNACK
        assertThat(connack.substring(6, 8)).isEqualTo("00"); // reason code 0x00 success
        return ch;
    }

    private static ByteBuf v5Connect() {
        return TestMqttServices.bytes(
                0x10, 0x0E,             // CONNECT, remaining length 14
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x05,                   // protocol level 5
                0x02,                   // clean start
                0x00, 0x3C,             // keep-alive 60
                0x00,                   // properties length 0
                0x00, 0x01, 'c');       // client ID "c"
    }

    private EmbeddedChannel channel() {
        return TestMqttServices.channel(services);
    }

    private static String hex(ByteBuf b) {
        if (b == null) {
            return "";
        }
        String s = io.netty.buffer.ByteBufUtil.hexDump(b);
        b.release();
        return s;
    }
}
