package io.pulsemq.broker.limits;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LimitHitsTest {

    @Test
    void everyLimit_isExported_taggedWithItsKey_countingItsHits() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LimitHits hits = new LimitHits();
        hits.bindTo(registry);

        hits.hit(Limit.MQTT_CONNECT_RATE);
        hits.hit(Limit.MQTT_CONNECT_RATE);

        String text = registry.scrape();
        assertThat(text).contains("pulsemq_limit_hits_total{limit=\"mqtt.connectRate\"} 2.0");
        for (Limit limit : Limit.values()) {
            assertThat(text).contains("pulsemq_limit_hits_total{limit=\"" + limit.key() + "\"}");
        }
        assertThat(hits.count(Limit.MQTT_MAX_CONNECTIONS)).isZero();
    }
}
