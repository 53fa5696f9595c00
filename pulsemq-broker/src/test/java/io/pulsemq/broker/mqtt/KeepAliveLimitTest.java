package io.pulsemq.broker.mqtt;

import io.pulsemq.broker.config.MqttConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The keep-alive the broker applies: {@link ConnectNegotiator#keepAlive}. */
class KeepAliveLimitTest {

    private static MqttConfig limits(long maxSeconds, boolean allowZero) {
        return new MqttConfig(1 << 20, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true).withKeepAlive(Duration.ofSeconds(maxSeconds), allowZero);
    }

    @Test
    void keepAlive_withinMaximum_kept() {
        assertThat(ConnectNegotiator.keepAlive(limits(60, true), 30)).isEqualTo(30);
        assertThat(ConnectNegotiator.keepAlive(limits(60, false), 60)).isEqualTo(60);
    }

    @Test
    void keepAlive_aboveMaximum_maximum() {
        assertThat(ConnectNegotiator.keepAlive(limits(60, true), 61)).isEqualTo(60);
    }

    @Test
    void keepAlive_zeroAllowedByDefault_keptEvenWithAMaximum() {
        assertThat(new MqttConfig(1 << 20, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(60),
                Duration.ofSeconds(10), 32, true, true, true).allowZeroKeepAlive()).isTrue();
        assertThat(ConnectNegotiator.keepAlive(limits(60, true), 0)).isZero();
    }

    @Test
    void keepAlive_zeroNotAllowed_maximum() {
        assertThat(ConnectNegotiator.keepAlive(limits(60, false), 0)).isEqualTo(60);
        assertThat(ConnectNegotiator.keepAlive(limits(65535, false), 0)).isEqualTo(65535);
    }
}
