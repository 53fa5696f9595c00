package io.pulsemq.broker.config;

import java.time.Duration;
import java.util.List;

/**
 * Cluster mode. With {@link Engine#NONE} (the default) the broker is one process on its embedded store; with
 * {@link Engine#NATS} the status log, the presence every node answers from, and the messages between nodes go
 * through a NATS JetStream cluster.
 *
 * @param engine      none (embedded store only) or nats
 * @param nats        the NATS servers and the JetStream replicas
 * @param nodeTimeout a node silent for this long is declared dead; its clients get {@code tcpclean}/{@code server_crash}
 */
public record ClusterConfig(Engine engine, Nats nats, Duration nodeTimeout) {

    /** Default of {@link #nodeTimeout}. */
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(5);

    public ClusterConfig {
        engine = engine == null ? Engine.NONE : engine;
        nats = nats == null ? Nats.defaults() : nats;
        nodeTimeout = nodeTimeout == null ? DEFAULT_NODE_TIMEOUT : nodeTimeout;
    }

    /** Single-node mode. */
    public static ClusterConfig none() {
        return new ClusterConfig(Engine.NONE, Nats.defaults(), DEFAULT_NODE_TIMEOUT);
    }

    /** Cluster mode on the NATS servers given. */
    public static ClusterConfig nats(List<String> servers, int replicas, Duration nodeTimeout) {
        return new ClusterConfig(Engine.NATS, new Nats(servers, replicas), nodeTimeout);
    }

    /** Whether the broker runs as one node of a cluster. */
    public boolean enabled() {
        return engine == Engine.NATS;
    }

    /** The cluster engine. */
    public enum Engine {
        /** No cluster: the embedded store only. */
        NONE,
        /** NATS with JetStream. */
        NATS
    }

    /**
     * The NATS cluster.
     *
     * @param servers  URLs of the NATS servers ({@code nats://host:port}); the client reconnects among them
     * @param replicas JetStream replicas of the broker's streams: 3 in a 3-server NATS cluster, 1 on a single server
     */
    public record Nats(List<String> servers, int replicas) {

        public Nats {
            servers = servers == null ? List.of() : List.copyOf(servers);
        }

        static Nats defaults() {
            return new Nats(List.of("nats://127.0.0.1:4222"), 3);
        }
    }
}
