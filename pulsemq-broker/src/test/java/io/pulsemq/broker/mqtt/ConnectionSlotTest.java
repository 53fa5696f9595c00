package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pulsemq.broker.limits.ConnectionSlots;
import io.pulsemq.broker.limits.Limit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mqtt.maxConnections} and {@code mqtt.maxConnectionsPerAddress} on the MQTT pipeline: a connection takes its
 * slot when it becomes active (the accept), sends CONNECT or not; one over a limit is refused at CONNECT with the
 * protocol's code, one over it by more than the grace is closed at once. Byte fixtures are commented field by field.
 */
class ConnectionSlotTest {

    private static final int MAX = 2;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        timer.shutdownNow();
    }

    @Test
    void silentConnections_holdTheSlots_theNextConnectIsRefused0x97AndCloses_untilOneCloses() {
        MqttServices services = services(MAX, 0);
        EmbeddedChannel silent = open(services);
        open(services);

        EmbeddedChannel refused = open(services);
        refused.writeInbound(v5Connect('r'));
        assertThat(hex(refused.readOutbound())).isEqualTo("2003009700"); // CONNACK, len 3, 0x97 Quota exceeded, no props
        assertThat(refused.isOpen()).isFalse();
        assertThat(services.limitHits().count(Limit.MQTT_MAX_CONNECTIONS)).isEqualTo(1);

        silent.close();
        EmbeddedChannel admitted = open(services);
        admitted.writeInbound(v5Connect('a'));
        assertThat(reasonCode(admitted.readOutbound())).isEqualTo("00"); // CONNACK 0x00 Success
        assertThat(admitted.isOpen()).isTrue();
    }

    @Test
    void v311ConnectOverTheLimit_isRefusedWithReturnCode3() {
        MqttServices services = services(MAX, 0);
        open(services);
        open(services);

        EmbeddedChannel refused = open(services);
        refused.writeInbound(TestMqttServices.bytes(
                0x10, 0x0D,             // CONNECT, remaining length 13
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x04,                   // protocol level 4: 3.1.1
                0x02,                   // flags: clean session
                0x00, 0x3C,             // keep-alive 60
                0x00, 0x01, 'v'));      // client ID "v"
        assertThat(hex(refused.readOutbound())).isEqualTo("20020003"); // CONNACK, len 2, return code 3 unavailable
        assertThat(refused.isOpen()).isFalse();
    }

    @Test
    void connectionsBeyondTheGrace_areClosedAtOnce_unreadAndUnanswered_andCounted() {
        MqttServices services = services(MAX, 0);
        for (int i = 0; i < ConnectionSlots.withGrace(MAX); i++) {
            assertThat(open(services).isOpen()).isTrue();
        }

        EmbeddedChannel shed = open(services);

        assertThat(shed.isOpen()).isFalse();
        assertThat((Object) shed.readOutbound()).isNull();
        assertThat(services.slots().open()).isEqualTo(ConnectionSlots.withGrace(MAX));
        // every connection over the limit is counted once: those kept for a refusal and the one shed
        assertThat(services.limitHits().count(Limit.MQTT_MAX_CONNECTIONS))
                .isEqualTo(ConnectionSlots.withGrace(MAX) - MAX + 1);
    }

    @Test
    void silentConnection_isClosedAtTheConnectTimeout_andItsSlotComesBack() {
        MqttServices services = services(1, 0);
        EmbeddedChannel silent = open(services);
        assertThat(services.slots().admitted()).isEqualTo(1);

        silent.advanceTimeBy(services.config().mqtt().connectTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        silent.runScheduledPendingTasks();

        assertThat(silent.isOpen()).isFalse();
        assertThat(services.slots().admitted()).isZero();
        assertThat(services.slots().open()).isZero();
    }

    @Test
    void everyWayOfEnding_givesTheSlotBackOnce() {
        MqttServices services = services(MAX, 0);
        EmbeddedChannel connected = open(services);
        EmbeddedChannel refused = open(services);
        EmbeddedChannel over1 = open(services);
        EmbeddedChannel over2 = open(services);

        connected.writeInbound(v5Connect('a'));
        refused.writeInbound(TestMqttServices.bytes(
                0x30, 0x05,             // PUBLISH QoS 0, remaining length 5, before CONNECT: closed [MQTT-3.1.0-1]
                0x00, 0x01, 'a',        // topic "a"
                'h', 'i'));             // payload
        over1.writeInbound(v5Connect('o'));
        assertThat(hex(over1.readOutbound())).isEqualTo("2003009700");

        connected.writeInbound(TestMqttServices.bytes(0xE0, 0x00)); // DISCONNECT
        over2.close();

        assertThat(List.of(connected, refused, over1, over2)).noneMatch(EmbeddedChannel::isOpen);
        assertThat(services.slots().admitted()).isZero();
        assertThat(services.slots().open()).isZero();
    }

    @Test
    void behindAProxyHeader_theSlotCountsForTheClientItNames_notForTheProxy() {
        MqttServices services = services(0, 1);
        EmbeddedChannel first = openProxied(services, "127.0.0.2");
        first.writeInbound(v5Connect('a'));
        assertThat(reasonCode(first.readOutbound())).isEqualTo("00"); // CONNACK 0x00 Success

        EmbeddedChannel sameClient = openProxied(services, "127.0.0.2");
        sameClient.writeInbound(v5Connect('b'));
        assertThat(hex(sameClient.readOutbound())).isEqualTo("2003009700"); // 0x97: 127.0.0.2 holds its one
        assertThat(services.limitHits().count(Limit.MQTT_MAX_CONNECTIONS_PER_ADDRESS)).isEqualTo(1);

        EmbeddedChannel otherClient = openProxied(services, "127.0.0.3"); // the same proxy (127.0.0.1) in front
        otherClient.writeInbound(v5Connect('c'));
        assertThat(reasonCode(otherClient.readOutbound())).isEqualTo("00");

        first.close();
        sameClient.close();
        otherClient.close();
        assertThat(services.slots().open()).isZero();
        assertThat(services.slots().admitted(address("127.0.0.2"))).isZero();
    }

    // ---- fixtures ------------------------------------------------------------------------------

    private MqttServices services(int max, int perAddress) {
        return TestMqttServices.create(timer, 1024, m -> m.withConnectionLimits(max, perAddress, 0, 0));
    }

    private EmbeddedChannel open(MqttServices services) {
        EmbeddedChannel ch = TestMqttServices.channel(services);
        channels.add(ch);
        return ch;
    }

    /** A connection whose PROXY v1 header names {@code client} as the source. */
    private EmbeddedChannel openProxied(MqttServices services, String client) {
        EmbeddedChannel ch = TestMqttServices.proxiedChannel(services);
        channels.add(ch);
        ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 " + client + " 127.0.0.1 40000 41883\r\n",
                StandardCharsets.US_ASCII));
        return ch;
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ByteBuf v5Connect(char clientId) {
        return TestMqttServices.bytes(
                0x10, 0x0E,             // CONNECT, remaining length 14
                0x00, 0x04, 'M', 'Q', 'T', 'T',
                0x05,                   // protocol level 5
                0x02,                   // clean start
                0x00, 0x3C,             // keep-alive 60
                0x00,                   // properties length 0
                0x00, 0x01, clientId);  // client ID, one character
    }

    /** The reason code of a v5 CONNACK: type 0x20, a one-byte remaining length, the flags, then the code. */
    private static String reasonCode(Object connack) {
        String hex = hex(connack);
        assertThat(hex).startsWith("20");
        return hex.substring(6, 8);
    }

    private static String hex(Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            return "";
        }
        try {
            return ByteBufUtil.hexDump(b);
        } finally {
            b.release();
        }
    }
}
