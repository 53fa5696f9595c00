package io.pulsemq.it;

import io.pulsemq.broker.cluster.NatsCluster;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClusterConfig;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A PulseMQ cluster for tests: a real three-server NATS JetStream cluster (nats-server processes on free loopback
 * ports) and brokers in this JVM, node {@code a}, {@code b}, {@code c}, ..., each with its own data directory and
 * ephemeral ports, each listing the NATS servers starting with a different one.
 */
final class ClusterFixture implements AutoCloseable {

    /** The node timeout of test clusters: short, so that failover tests finish soon. */
    static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

    private final NatsCluster nats;
    private final List<BrokerFixture> nodes = new ArrayList<>();

    private ClusterFixture(NatsCluster nats) {
        this.nats = nats;
    }

    /** A three-server NATS cluster and {@code brokers} broker nodes on it. */
    static ClusterFixture start(int brokers) throws Exception {
        return start(brokers, UnaryOperator.identity());
    }

    static ClusterFixture start(int brokers, UnaryOperator<BrokerConfig> customize) throws Exception {
        ClusterFixture f = new ClusterFixture(NatsCluster.threeNodes());
        try {
            for (int i = 0; i < brokers; i++) {
                String node = String.valueOf((char) ('a' + i));
                int first = i;
                f.nodes.add(BrokerFixture.start(c -> customize.apply(c.withNode(node).withCluster(f.clusterConfig(first)))));
            }
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    /** The cluster settings of a node: every NATS server, the {@code first}-th (mod 3) first. */
    ClusterConfig clusterConfig(int first) {
        List<String> urls = new ArrayList<>(nats.urls());
        java.util.Collections.rotate(urls, -(first % urls.size()));
        return ClusterConfig.nats(urls, 3, NODE_TIMEOUT);
    }

    /** The environment that makes a child broker node {@code node} of this cluster. */
    Map<String, String> childEnvironment(String node, int first) {
        ClusterConfig c = clusterConfig(first);
        return Map.of("PULSEMQ_NODE", node, "PULSEMQ_CLUSTER_ENGINE", "nats",
                "PULSEMQ_CLUSTER_NATS_SERVERS", String.join(",", c.nats().servers()),
                "PULSEMQ_CLUSTER_NATS_REPLICAS", "3",
                "PULSEMQ_CLUSTER_NODETIMEOUT", NODE_TIMEOUT.toMillis() + "ms");
    }

    BrokerFixture node(int i) {
        return nodes.get(i);
    }

    List<BrokerFixture> nodes() {
        return nodes;
    }

    NatsCluster nats() {
        return nats;
    }

    /**
     * Every status event in the stream as node {@code i} reads it, after its read barrier (so everything acknowledged
     * before this call), by client ID in offset order.
     */
    Map<String, List<StatusEvent>> eventsByClient(int i) throws Exception {
        BrokerFixture n = node(i);
        n.broker().cluster().statusLog().sync().get(30, java.util.concurrent.TimeUnit.SECONDS);
        Map<String, List<StatusEvent>> out = new TreeMap<>();
        n.broker().statusLog().read(0, Integer.MAX_VALUE, EventFilter.ALL, e -> {
            StatusEvent event = StatusEventJson.decode(e.json());
            out.computeIfAbsent(event.clientId(), k -> new ArrayList<>()).add(event);
            return true;
        });
        return out;
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (RuntimeException e) {
                // the others still close
            }
        }
        nats.close();
    }
}
