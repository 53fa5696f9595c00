package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /metrics}: Prometheus text for an access key (or anyone, when configured public), with the broker's own meters. */
class MetricsIT {

    @Test
    void metrics_showConnectionsStatusEventsAndApiRequests() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            Mqtt5BlockingClient device = Clients.hive5(broker, "GID_m@@@d1");
            device.connect();
            ApiClient api = new ApiClient(broker.httpPort());
            assertThat(api.getJson("/api/v1/clients/GID_m@@@d1", BrokerFixture.ADMIN).get("online").asBoolean()).isTrue();

            String text = api.get("/metrics", BrokerFixture.ADMIN).body();

            assertThat(text).contains("pulsemq_connections 1.0", "pulsemq_clients_online 1.0",
                    "pulsemq_status_events_total{reason=\"none\",type=\"connect\"} 1.0",
                    "pulsemq_http_requests_seconds_count{route=\"GET /api/v1/clients/{clientId}\",status=\"200\"} 1");
            device.disconnect();
        }
    }

    @Test
    void metricsAndOpenApi_withoutCredentials_are401ByDefault() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            ApiClient api = new ApiClient(broker.httpPort());

            assertThat(api.get("/metrics", null).statusCode()).isEqualTo(401);
            assertThat(api.get("/api/v1/openapi.json", null).statusCode()).isEqualTo(401);
            assertThat(api.get("/health", null).statusCode()).isEqualTo(200);
            assertThat(api.get("/api/v1/openapi.json", BrokerFixture.ADMIN).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricsAndOpenApi_configuredPublic_answerWithoutCredentials() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.publicMetricsAndOpenApi())) {
            ApiClient api = new ApiClient(broker.httpPort());

            assertThat(api.get("/metrics", null).statusCode()).isEqualTo(200);
            assertThat(api.get("/api/v1/openapi.json", null).statusCode()).isEqualTo(200);
        }
    }
}
