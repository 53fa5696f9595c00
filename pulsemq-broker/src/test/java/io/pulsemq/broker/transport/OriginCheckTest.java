package io.pulsemq.broker.transport;

import io.pulsemq.broker.config.ListenerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OriginCheckTest {

    private static OriginCheck check(String... origins) {
        return new OriginCheck(new ListenerConfig("0.0.0.0", 0, "/mqtt", false, null, List.of(origins)));
    }

    @Test
    void allows_defaultList_sameHostOnly() {
        OriginCheck same = check();

        assertThat(same.allows("http://broker.example.com:9083", "broker.example.com:9083")).isTrue();
        assertThat(same.allows("https://broker.example.com", "broker.example.com")).isTrue();
        assertThat(same.allows("http://evil.example.net", "broker.example.com:9083")).isFalse();
        assertThat(same.allows("http://broker.example.com:9999", "broker.example.com:9083")).isFalse();
        assertThat(same.allows("null", "broker.example.com:9083")).isFalse();
    }

    @Test
    void allows_noOriginHeader_isAllowed() {
        assertThat(check().allows(null, "broker:9083")).isTrue();
    }

    @Test
    void allows_listedOrigins_onlyThoseAndStarAll() {
        OriginCheck listed = check("https://app.example.com");

        assertThat(listed.allows("https://APP.example.com:443", "broker:9083")).isTrue();
        assertThat(listed.allows("https://other.example.com", "broker:9083")).isFalse();
        assertThat(check("*").allows("https://anything.example", "broker:9083")).isTrue();
    }
}
