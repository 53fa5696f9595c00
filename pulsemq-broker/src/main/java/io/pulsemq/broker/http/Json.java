package io.pulsemq.broker.http;

import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON mapper of the HTTP layer. Thread-safe once built. */
final class Json {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
