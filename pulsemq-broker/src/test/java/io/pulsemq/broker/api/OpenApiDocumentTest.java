package io.pulsemq.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class OpenApiDocumentTest {

    @Test
    void servedDocument_isDocsOpenApiJson_andDescribesEveryRoute() throws Exception {
        byte[] served;
        try (InputStream in = StatusApi.class.getResourceAsStream(StatusApi.OPENAPI_RESOURCE)) {
            assertThat(in).isNotNull();
            served = in.readAllBytes();
        }
        assertThat(served).isEqualTo(Files.readAllBytes(Path.of("..", "docs", "openapi.json")));

        JsonNode doc = new ObjectMapper().readTree(served);
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        JsonNode paths = doc.get("paths");
        assertThat(paths.get("/api/v1/clients/{clientId}").has("get")).isTrue();
        assertThat(paths.get("/api/v1/clients/status").has("post")).isTrue();
        assertThat(paths.get("/api/v1/clients").has("get")).isTrue();
        assertThat(paths.get("/api/v1/groups").has("get")).isTrue();
        assertThat(paths.get("/api/v1/groups/{groupId}").has("get")).isTrue();
        assertThat(paths.get("/api/v1/clients/{clientId}/trace").has("get")).isTrue();
        assertThat(paths.get("/api/v1/clients/{clientId}/disconnect").has("post")).isTrue();
        assertThat(paths.get("/api/v1/status/events").has("get")).isTrue();
        assertThat(paths.get("/api/v1/device-credentials").has("post")).isTrue();
        assertThat(paths.get("/api/v1/device-credentials/{clientId}").has("delete")).isTrue();
        assertThat(paths.get("/api/v1/device-credentials/{clientId}/refresh").has("post")).isTrue();
        assertThat(paths.get("/api/v1/status/export").has("get")).isTrue();
        assertThat(paths.get("/api/v1/openapi.json").has("get")).isTrue();
        assertThat(paths.get("/").has("get")).isTrue();
        assertThat(paths.get("/api/v1/bans").has("get")).isTrue();
        assertThat(paths.get("/api/v1/bans").has("post")).isTrue();
        assertThat(paths.get("/api/v1/bans/{kind}/{value}").has("delete")).isTrue();
        assertThat(paths.get("/metrics").has("get")).isTrue();
    }
}
