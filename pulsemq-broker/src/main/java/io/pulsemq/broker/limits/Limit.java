package io.pulsemq.broker.limits;

/**
 * Every limit the broker enforces that a client can run into, named by its configuration key. The key is the
 * {@code limit} tag of {@code pulsemq_limit_hits_total}, so an operator finds the key to raise in the metric.
 */
public enum Limit {
    /** Connected MQTT clients in all (TCP, WebSocket and their TLS variants). */
    MQTT_MAX_CONNECTIONS("mqtt.maxConnections"),
    /** Connected MQTT clients per source address. */
    MQTT_MAX_CONNECTIONS_PER_ADDRESS("mqtt.maxConnectionsPerAddress"),
    /** CONNECTs per second over every MQTT listener. */
    MQTT_CONNECT_RATE("mqtt.connectRate"),
    /** PUBLISHes per second from one connection. */
    MQTT_MAX_PUBLISH_RATE("mqtt.maxPublishRate"),
    /** PUBLISH payload bytes per second from one connection. */
    MQTT_MAX_PUBLISH_BYTES_RATE("mqtt.maxPublishBytesRate"),
    /** Subscriptions one session holds. */
    MQTT_MAX_SUBSCRIPTIONS_PER_CLIENT("mqtt.maxSubscriptionsPerClient"),
    /** UTF-8 bytes of a topic name or filter. */
    MQTT_MAX_TOPIC_LENGTH("mqtt.maxTopicLength"),
    /** Levels of a topic name or filter. */
    MQTT_MAX_TOPIC_LEVELS("mqtt.maxTopicLevels"),
    /** Retained messages in the broker. */
    MQTT_MAX_RETAINED_MESSAGES("mqtt.maxRetainedMessages"),
    /** Payload bytes of the retained messages in the broker. */
    MQTT_MAX_RETAINED_BYTES("mqtt.maxRetainedBytes"),
    /** Messages queued for one session. */
    MQTT_MAX_QUEUED_MESSAGES("mqtt.maxQueuedMessages"),
    /** Payload bytes queued for one session. */
    MQTT_MAX_QUEUED_BYTES("mqtt.maxQueuedBytes"),
    /** Time for an HTTP request head to arrive. */
    HTTP_HEADER_TIMEOUT("http.headerTimeout"),
    /** Time for a whole HTTP request, head and body, to arrive. */
    HTTP_REQUEST_TIMEOUT("http.requestTimeout"),
    /** Idle time of an HTTP connection. */
    HTTP_IDLE_TIMEOUT("http.idleTimeout"),
    /** Size of an HTTP request body. */
    HTTP_MAX_BODY_SIZE("http.maxBodySize"),
    /** Length of an HTTP request line. */
    HTTP_MAX_INITIAL_LINE_LENGTH("http.maxInitialLineLength"),
    /** Size of an HTTP request's headers. */
    HTTP_MAX_HEADER_SIZE("http.maxHeaderSize"),
    /** HTTP requests one connection may have awaiting answers (reading pauses beyond it). */
    HTTP_MAX_PIPELINED("http.maxPipelined"),
    /** Open status event streams (SSE) in all. */
    HTTP_MAX_STREAMS("http.maxStreams"),
    /** Open status event streams (SSE) per access key. */
    HTTP_MAX_STREAMS_PER_KEY("http.maxStreamsPerKey"),
    /** Consumers on one server SDK connection. */
    AMQP_MAX_CONSUMERS_PER_CONNECTION("amqp.maxConsumersPerConnection"),
    /** Deliveries in flight (unacknowledged) on one server SDK connection. */
    AMQP_MAX_UNACKED_PER_CONNECTION("amqp.maxUnackedPerConnection"),
    /** Queues one server SDK connection consumes or declares. */
    AMQP_MAX_QUEUES_PER_CONNECTION("amqp.maxQueuesPerConnection");

    private final String key;

    Limit(String key) {
        this.key = key;
    }

    /** The configuration key that sets this limit, e.g. {@code mqtt.maxConnections}. */
    public String key() {
        return key;
    }
}
