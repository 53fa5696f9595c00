package io.pulsemq.broker.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S",
            "30s, PT30S",
            "10m, PT10M",
            "1h, PT1H",
            "7d, PT168H",
            "7D, PT168H",
            "' 15 s ', PT15S",
            "PT30S, PT30S",
            "p2d, PT48H"})
    void parse_unitOrIso_yieldsDuration(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "7", "7x", "-5s", "PT-5S", "1h30m", "99999999999999999999d"})
    void parse_otherText_isRejected(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
