package io.pulsemq.broker.metrics;

/** Every metric name the broker exports, in Micrometer's dotted form (Prometheus turns dots into underscores). */
public final class MetricNames {

    /** Gauge: open MQTT network connections. */
    public static final String CONNECTIONS = "pulsemq.connections";
    /**
     * Gauge, tag {@code protocol} ({@code mqtt}, {@code amqp}): connections not read now because more outbound bytes
     * wait for them than the high-water mark (backpressure).
     */
    public static final String CONNECTIONS_PAUSED = "pulsemq.connections.paused";
    /** Function counter, tag {@code protocol}: backpressure pauses of connections since start. */
    public static final String CONNECTION_PAUSES = "pulsemq.connections.pauses";
    /** Gauge: sessions, connected or persisted offline. */
    public static final String SESSIONS = "pulsemq.sessions";
    /** Gauge: clients whose latest status event is {@code connect}. */
    public static final String CLIENTS_ONLINE = "pulsemq.clients.online";
    /** Gauge: client IDs the status log has seen. */
    public static final String CLIENTS_KNOWN = "pulsemq.clients.known";
    /** Counter, tags {@code type} and {@code reason}: status events appended. */
    public static final String STATUS_EVENTS = "pulsemq.status.events";
    /** Gauge: offset of the newest durable status event. */
    public static final String STATUS_LOG_OFFSET = "pulsemq.statuslog.offset";
    /** Counter: rejected connection attempts. */
    public static final String CONNECTS_REJECTED = "pulsemq.connects.rejected";
    /** Function counter: application messages published to the broker. */
    public static final String MESSAGES_PUBLISHED = "pulsemq.messages.published";
    /** Function counter: deliveries handed to sessions. */
    public static final String MESSAGES_DELIVERED = "pulsemq.messages.delivered";
    /** Function counter: deliveries dropped (offline or congested QoS 0, full queue, too large, expired). */
    public static final String MESSAGES_DROPPED = "pulsemq.messages.dropped";
    /** Function counter: PUBLISHes (wills included) not routed because authorization denied them. */
    public static final String MESSAGES_DENIED = "pulsemq.messages.denied";
    /** Timer, tags {@code route} and {@code status}: HTTP API requests and their latency. */
    public static final String HTTP_REQUESTS = "pulsemq.http.requests";
    /** Gauge: 1 while the status log can write (connections are accepted), 0 while it cannot. */
    public static final String STATUS_LOG_WRITABLE = "pulsemq.statuslog.writable";
    /** Counter: status log writes that failed (each retry counts). */
    public static final String STATUS_LOG_WRITE_FAILURES = "pulsemq.statuslog.write.failures";
    /**
     * Function counter, tag {@code limit} (a configuration key such as {@code mqtt.maxConnections}): times a limit
     * refused, dropped, throttled or closed something.
     */
    public static final String LIMIT_HITS = "pulsemq.limit.hits";
    /** Gauge: MQTT connections holding a slot of {@code mqtt.maxConnections} (counted from their accept). */
    public static final String CONNECTIONS_ADMITTED = "pulsemq.connections.admitted";
    /** Messages this cluster node sent to other nodes. */
    public static final String CLUSTER_FORWARDED = "pulsemq.cluster.forwarded";
    /** NATS messages this node sent with routed messages (forwarded / batches = the average batch). */
    public static final String CLUSTER_BATCHES = "pulsemq.cluster.batches";
    /** Messages this cluster node received from other nodes. */
    public static final String CLUSTER_RECEIVED = "pulsemq.cluster.received";
    /** QoS 1/2 messages sent to another node again because it had not acknowledged them. */
    public static final String CLUSTER_RESENT = "pulsemq.cluster.resent";
    /** Retained-message changes this node could not write to the cluster's retained stream. */
    public static final String CLUSTER_RETAINED_WRITE_FAILURES = "pulsemq.cluster.retained.write.failures";
    /** Messages to or from other nodes that could not be sent or read. */
    public static final String CLUSTER_ROUTE_FAILURES = "pulsemq.cluster.route.failures";
    /** Gauge: retained messages. */
    public static final String RETAINED_MESSAGES = "pulsemq.retained.messages";
    /** Gauge: payload bytes of the retained messages. */
    public static final String RETAINED_BYTES = "pulsemq.retained.bytes";
    /** Gauge: open status event streams (SSE). */
    public static final String HTTP_STREAMS = "pulsemq.http.streams";
    /** Gauge: free bytes of the data directory's file system, as last checked. */
    public static final String DISK_FREE = "pulsemq.disk.free";

    private MetricNames() {
    }

    /** Counter: server SDK queue tasks that failed (each logged). */
    public static final String AMQP_QUEUE_FAILURES = "pulsemq.amqp.queue.failures";

    /** Gauge: bytes of session, retained and queue writes waiting for the store's writer. */
    public static final String STORE_WRITER_PENDING = "pulsemq.store.writer.pending";

    /** Counter: attempts of the store's writer that the store refused (each is retried until it succeeds). */
    public static final String STORE_WRITE_FAILURES = "pulsemq.store.write.failures";

    /** Counter: tasks of the broker's timer (session expiry, wills, retention, ban sweeps, reloads) that failed. */
    public static final String TIMER_FAILURES = "pulsemq.timer.failures";
}
