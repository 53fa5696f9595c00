package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * The HTTP API's own settings (the listener is {@code listeners.http} / {@code listeners.https}) and its limits.
 *
 * @param publicMetrics        whether {@code /metrics} answers without credentials
 * @param publicOpenApi        whether the OpenAPI document answers without credentials
 * @param headerTimeout        time a request head (request line and headers) has to arrive once its first byte
 *                             did; a connection that takes longer is answered 408 and closed (slowloris)
 * @param requestTimeout       time a whole request, head and body, has to arrive once its first byte did; a
 *                             connection that takes longer (a body trickled in, or announced and not sent) is
 *                             answered 408 and closed
 * @param idleTimeout          a connection with no traffic and no request in progress for this long is closed
 * @param maxBodySize          largest request body, in bytes; a larger one is answered 413
 * @param maxPipelined         requests one connection may have awaiting answers; beyond it reading pauses
 * @param maxInitialLineLength longest request line, in bytes; a longer one is answered 414
 * @param maxHeaderSize        largest header block, in bytes; a larger one is answered 431
 * @param maxStreams           status event streams (SSE) open at once, in all; one more is answered 503
 * @param maxStreamsPerKey     status event streams open at once per access key; one more is answered 429
 */
public record HttpConfig(
        boolean publicMetrics,
        boolean publicOpenApi,
        Duration headerTimeout,
        Duration requestTimeout,
        Duration idleTimeout,
        int maxBodySize,
        int maxPipelined,
        int maxInitialLineLength,
        int maxHeaderSize,
        int maxStreams,
        int maxStreamsPerKey) {

    /** Default of {@link #headerTimeout}. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Default of {@link #requestTimeout}: room for the largest body ({@link #DEFAULT_MAX_BODY_SIZE}) over a slow
     * mobile link (35 KiB/s), while a connection held by a request that never ends is given back soon.
     */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@link #idleTimeout}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default of {@link #maxBodySize}: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_SIZE = 1 << 20;
    /** Default of {@link #maxPipelined}. */
    public static final int DEFAULT_MAX_PIPELINED = 16;
    /** Default of {@link #maxInitialLineLength}. */
    public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 4096;
    /** Default of {@link #maxHeaderSize}. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
    /** Default of {@link #maxStreams}. */
    public static final int DEFAULT_MAX_STREAMS = 1000;
    /** Default of {@link #maxStreamsPerKey}. */
    public static final int DEFAULT_MAX_STREAMS_PER_KEY = 100;

    /** The given access settings with the default limits. */
    public HttpConfig(boolean publicMetrics, boolean publicOpenApi) {
        this(publicMetrics, publicOpenApi, DEFAULT_HEADER_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_BODY_SIZE,
                DEFAULT_MAX_PIPELINED, DEFAULT_MAX_INITIAL_LINE_LENGTH, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_STREAMS,
                DEFAULT_MAX_STREAMS_PER_KEY);
    }

    /** The defaults: everything but {@code /health} needs credentials. */
    public static HttpConfig defaults() {
        return new HttpConfig(false, false);
    }

    /** A copy with other connection limits. */
    public HttpConfig withConnectionLimits(Duration header, Duration idle, int body, int pipelined) {
        return new HttpConfig(publicMetrics, publicOpenApi, header, requestTimeout, idle, body, pipelined,
                maxInitialLineLength, maxHeaderSize, maxStreams, maxStreamsPerKey);
    }

    /** A copy with another {@link #requestTimeout}. */
    public HttpConfig withRequestTimeout(Duration request) {
        return new HttpConfig(publicMetrics, publicOpenApi, headerTimeout, request, idleTimeout, maxBodySize,
                maxPipelined, maxInitialLineLength, maxHeaderSize, maxStreams, maxStreamsPerKey);
    }

    /** A copy with other access settings. */
    public HttpConfig withAccess(boolean metrics, boolean openApi) {
        return new HttpConfig(metrics, openApi, headerTimeout, requestTimeout, idleTimeout, maxBodySize, maxPipelined,
                maxInitialLineLength, maxHeaderSize, maxStreams, maxStreamsPerKey);
    }

    /** A copy with other stream limits. */
    public HttpConfig withStreamLimits(int streams, int streamsPerKey) {
        return new HttpConfig(publicMetrics, publicOpenApi, headerTimeout, requestTimeout, idleTimeout, maxBodySize,
                maxPipelined, maxInitialLineLength, maxHeaderSize, streams, streamsPerKey);
    }
}
