package io.pulsemq.broker.store;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.SessionStore.OutboundMessage;
import io.pulsemq.broker.session.SessionStore.OutboundState;
import io.pulsemq.broker.session.SessionStore.SessionMeta;
import io.pulsemq.broker.subscription.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageCodecTest {

    private static final Message FULL = new Message(
            "工厂/线-1/温度",
            2,
            true,
            "{\"t\": 21.5, \"unit\": \"°C\"}".getBytes(StandardCharsets.UTF_8),
            true,
            1_700_000_060_000L,
            "application/json; charset=utf-8",
            "replies/🚀",
            new byte[] {0, 1, (byte) 0xFF, 0x7F},
            List.of(new Message.UserProperty("region", "eu-1"), new Message.UserProperty("region", "eu-2"),
                    new Message.UserProperty("ключ", "значение"), new Message.UserProperty("", "")),
            "device-ü",
            1_700_000_000_000L);

    @Test
    void message_everyField_roundTrips() {
        Message decoded = MessageCodec.decodeMessage(MessageCodec.encodeMessage(FULL));

        assertThat(decoded).usingRecursiveComparison().isEqualTo(FULL);
        assertThat(decoded.userProperties()).containsExactlyElementsOf(FULL.userProperties());
    }

    @Test
    void message_nullsStayNull() {
        Message nulls = new Message("t", 0, false, null, false, 0, null, null, null, null, null, 0);

        Message decoded = MessageCodec.decodeMessage(MessageCodec.encodeMessage(nulls));

        assertThat(decoded.payload()).isNull();
        assertThat(decoded.contentType()).isNull();
        assertThat(decoded.responseTopic()).isNull();
        assertThat(decoded.correlationData()).isNull();
        assertThat(decoded.publisherId()).isNull();
        assertThat(decoded.userProperties()).isEmpty();
        assertThat(decoded).usingRecursiveComparison().isEqualTo(nulls);
    }

    @Test
    void message_emptyArraysAndStringsStayEmpty() {
        Message empty = new Message("t", 1, false, new byte[0], false, 0, "", "", new byte[0], List.of(), "", 0);

        Message decoded = MessageCodec.decodeMessage(MessageCodec.encodeMessage(empty));

        assertThat(decoded.payload()).isNotNull().isEmpty();
        assertThat(decoded.correlationData()).isNotNull().isEmpty();
        assertThat(decoded.contentType()).isEmpty();
        assertThat(decoded.publisherId()).isEmpty();
    }

    @Test
    void message_extremeNumbersAndLargePayload_roundTrip() {
        byte[] payload = new byte[256 * 1024];
        Arrays.fill(payload, (byte) 0xA5);
        Message message = new Message("t", 2, true, payload, false, Long.MAX_VALUE, null, null, null, List.of(),
                "p", -1);

        Message decoded = MessageCodec.decodeMessage(MessageCodec.encodeMessage(message));

        assertThat(decoded.payload()).isEqualTo(payload);
        assertThat(decoded).usingRecursiveComparison().ignoringFields("payload").isEqualTo(message);
    }

    @Test
    void message_plain_isCompact() {
        Message plain = Message.of("a/b", 1, false, new byte[] {1, 2, 3}, "c1", 1_700_000_000_000L);

        // version 1, topic 4, qos 1, flags 1, payload 4, expiry 1, 3 absent strings/bytes 3, properties 1,
        // publisher 3, createdAt 6
        assertThat(MessageCodec.encodeMessage(plain)).hasSize(25);
    }

    @Test
    void subscription_plainAndShared_roundTrip() {
        Subscription plain = new Subscription("c-ü", "a/+/#", null, 1, false, false, 0, 0);
        Subscription shared = new Subscription("c-ü", "a/b", "group", 2, true, true, 2, 268_435_455);

        assertThat(MessageCodec.decodeSubscription(MessageCodec.encodeSubscription(plain))).isEqualTo(plain);
        assertThat(MessageCodec.decodeSubscription(MessageCodec.encodeSubscription(shared))).isEqualTo(shared);
    }

    @Test
    void sessionMeta_roundTrips() {
        SessionMeta meta = new SessionMeta("客户端", 5, 0xFFFF_FFFFL, 1_700_000_000_123L);

        assertThat(MessageCodec.decodeSessionMeta(MessageCodec.encodeSessionMeta(meta))).isEqualTo(meta);
    }

    @ParameterizedTest
    @EnumSource(OutboundState.class)
    void outbound_everyState_roundTrips(OutboundState state) {
        OutboundMessage outbound = new OutboundMessage(Long.MIN_VALUE, 65_535, state, FULL,
                List.of(1, 268_435_455, Integer.MAX_VALUE, -1));

        OutboundMessage decoded = MessageCodec.decodeOutbound(MessageCodec.encodeOutbound(outbound));

        assertThat(decoded).usingRecursiveComparison().isEqualTo(outbound);
    }

    @Test
    void peekOutbound_readsSeqStateAndPayloadSize_withoutTheRest() {
        OutboundMessage full = new OutboundMessage(Long.MAX_VALUE - 3, 65_535, OutboundState.RELEASED, FULL, List.of(1, 2));
        OutboundMessage noPayload = new OutboundMessage(7, 0, OutboundState.QUEUED,
                new Message("t", 0, false, null, false, 0, null, null, null, null, null, 0), List.of());

        assertThat(MessageCodec.peekOutbound(MessageCodec.encodeOutbound(full))).isEqualTo(
                new MessageCodec.OutboundHead(Long.MAX_VALUE - 3, OutboundState.RELEASED, FULL.payload().length));
        assertThat(MessageCodec.peekOutbound(MessageCodec.encodeOutbound(noPayload)))
                .isEqualTo(new MessageCodec.OutboundHead(7, OutboundState.QUEUED, 0));
    }

    @Test
    void peekOutbound_truncatedPayload_fails() {
        byte[] encoded = MessageCodec.encodeOutbound(new OutboundMessage(1, 0, OutboundState.QUEUED, FULL, List.of()));

        assertThatThrownBy(() -> MessageCodec.peekOutbound(Arrays.copyOf(encoded, 12)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OutboundMessage");
    }

    @Test
    void decode_unknownVersion_failsNamingIt() {
        byte[] encoded = MessageCodec.encodeMessage(FULL);
        encoded[0] = 9;

        assertThatThrownBy(() -> MessageCodec.decodeMessage(encoded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unsupported Message record format version 9; this build reads version 1");
    }

    @Test
    void decode_truncatedOrTrailingBytes_fails() {
        byte[] encoded = MessageCodec.encodeOutbound(
                new OutboundMessage(1, 2, OutboundState.SENT, FULL, List.of(3)));

        for (int length = 0; length < encoded.length; length++) {
            byte[] truncated = Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> MessageCodec.decodeOutbound(truncated))
                    .as("truncated to %d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> MessageCodec.decodeOutbound(Arrays.copyOf(encoded, encoded.length + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 trailing bytes");
    }

    @Test
    void decode_wrongRecordType_fails() {
        byte[] subscription = MessageCodec.encodeSubscription(new Subscription("c", "f", null, 1, false, false, 0, 0));

        assertThatThrownBy(() -> MessageCodec.decodeOutbound(subscription))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Corrupt OutboundMessage record");
    }
}
