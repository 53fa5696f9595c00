package io.pulsemq.broker.cluster.routes;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.routing.MemoryNode;

import java.time.Duration;

/**
 * One broker node of a test cluster, wired as the broker wires cluster mode: its own NATS connection, routes, the
 * cluster's retained messages over an in-memory local store, and a {@link MemoryNode} (trie, sessions, router).
 */
final class ClusterNode implements AutoCloseable {

    /** Digests every 200 ms: a lost announcement is found soon, and a busy machine loses nothing by it. */
    static final Duration DIGEST_INTERVAL = Duration.ofMillis(200);

    final String name;
    final Connection nats;
    final NatsRoutes routes;
    final JetStreamRetainedStore retained;
    final MemoryNode node;

    /**
     * @param url      the nats-server this node connects to
     * @param replicas the retained stream's replicas, if this node creates it
     */
    ClusterNode(String name, String url, RouteSubjects subjects, int replicas, boolean echo) throws Exception {
        this.name = name;
        Options.Builder options = new Options.Builder().server(url).connectionName(name)
                .maxMessagesInOutgoingQueue(100_000).discardMessagesWhenOutgoingQueueFull();
        this.nats = Nats.connect(echo ? options.build() : options.noEcho().build());
        this.routes = new NatsRoutes(nats, subjects, name, DIGEST_INTERVAL);
        this.retained = JetStreamRetainedStore.open(nats, subjects, replicas, new InMemoryRetainedStore(),
                Duration.ofSeconds(30));
        this.node = new MemoryNode(routes.interest(), retained, routes);
        routes.start(node.router());
    }

    /** Whether this node knows {@code key} of {@code other}. */
    boolean knows(ClusterNode other, String key) {
        return routes.syncedWith(other.name) && routes.table().keysOf(other.name).contains(key);
    }

    @Override
    public void close() throws InterruptedException {
        routes.close();
        node.close();
        retained.close();
        nats.close();
    }
}
