package io.pulsemq.broker.config;

/**
 * The HTTP API's own settings (the listener is {@code listeners.http} / {@code listeners.https}).
 *
 * @param publicMetrics   whether {@code /metrics} answers without credentials
 * @param publicOpenApi   whether the OpenAPI document answers without credentials
 */
public record HttpConfig(boolean publicMetrics, boolean publicOpenApi) {

    /** The defaults: everything but {@code /health} needs credentials. */
    public static HttpConfig defaults() {
        return new HttpConfig(false, false);
    }
}
