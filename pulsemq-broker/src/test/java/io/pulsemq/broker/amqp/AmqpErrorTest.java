package io.pulsemq.broker.amqp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class AmqpErrorTest {

    @Test
    void replyText_longerThanAShortString_isCutAtACharacterBoundary() {
        String topic = "t/" + "\u00e9".repeat(300); // two UTF-8 bytes each
        AmqpError e = AmqpError.channel(ReplyCode.ACCESS_REFUSED, "publish to '" + topic + "': denied", null);

        String text = e.replyText();

        assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(AmqpError.SHORT_STRING_MAX);
        assertThat(text).startsWith("ACCESS_REFUSED - publish to 't/\u00e9").endsWith("\u00e9...");
    }

    @Test
    void replyText_short_isKeptWhole() {
        assertThat(AmqpError.channel(ReplyCode.NOT_FOUND, "no queue 'x'", null).replyText())
                .isEqualTo("NOT_FOUND - no queue 'x'");
    }
}
