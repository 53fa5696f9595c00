package io.pulsemq.broker.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClusterConfig;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.protocol.ClientStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One broker's part of a cluster on NATS JetStream ({@code cluster.engine: nats}): the NATS connection, the status log
 * in JetStream with its presence mirror, the end of connections an earlier start of this node left open, heartbeats
 * and the end of dead nodes' connections, and the requests between nodes (takeover, kick). Built by the broker's
 * composition root in two steps: {@link #start} before the sessions exist (the log they record into), then
 * {@link #attach} once they do.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The core NATS subject of the heartbeats. */
    static final String HEARTBEATS = "pulsemq.heartbeat";
    /** Heartbeats per node timeout. */
    private static final int BEATS_PER_TIMEOUT = 5;
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);

    private final BrokerConfig config;
    private final Connection nats;
    private final JetStreamStatusLog log;
    private final PresenceRegistry presence;
    private final Clock clock;
    private NodeHeartbeats heartbeats;
    private NodeControl control;

    private ClusterNode(BrokerConfig config, Connection nats, JetStreamStatusLog log, PresenceRegistry presence,
                        Clock clock) {
        this.config = config;
        this.nats = nats;
        this.log = log;
        this.presence = presence;
        this.clock = clock;
    }

    /**
     * Connects to NATS, opens the status log (creating its streams when missing), waits for the presence mirror, and
     * ends the connections an earlier start of this node left open ({@code tcpclean}/{@code server_crash}).
     *
     * @throws IOException if NATS cannot be reached or the streams cannot be opened within 30 s
     */
    public static ClusterNode start(BrokerConfig config, PresenceRegistry presence, Clock clock, int maxPendingConnects)
            throws IOException, InterruptedException {
        ClusterConfig cluster = config.cluster();
        Connection nats = connect(config);
        try {
            Duration beat = cluster.nodeTimeout().dividedBy(BEATS_PER_TIMEOUT);
            if (NodeHeartbeats.nameInUse(nats, HEARTBEATS, config.node(), beat.multipliedBy(2))) {
                throw new IOException("another running broker is node '" + config.node() + "' of this cluster; give "
                        + "every node its own name (node, PULSEMQ_NODE)");
            }
            JetStreamStatusLog log = JetStreamStatusLog.open(nats, StatusSubjects.DEFAULT, cluster.nats().replicas(),
                    config.statusLog().retention(), config.statusLog().maxBytes(), presence, config.node(), clock,
                    maxPendingConnects);
            ClusterNode node = new ClusterNode(config, nats, log, presence, clock);
            int crashed = log.endConnectionsOf(config.node()).get(CONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (crashed > 0) {
                LOG.warn("the last stop of node {} was unclean: logged tcpclean/server_crash for {} clients",
                        config.node(), crashed);
            }
            return node;
        } catch (IOException | InterruptedException | RuntimeException e) {
            nats.close();
            throw e;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            nats.close();
            throw new IOException("could not end the connections of this node's last start", e);
        }
    }

    private static Connection connect(BrokerConfig config) throws IOException, InterruptedException {
        ClusterConfig cluster = config.cluster();
        Options options = new Options.Builder()
                .servers(cluster.nats().servers().toArray(new String[0]))
                .connectionName("pulsemq " + config.node())
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .pingInterval(Duration.ofSeconds(2))
                .maxPingsOut(2)
                // a publish never blocks an event loop: past this many messages waiting for the socket, NATS drops
                // them (counted in pulsemq_cluster_route_failures_total through the routes)
                .maxMessagesInOutgoingQueue(100_000)
                .discardMessagesWhenOutgoingQueueFull()
                .errorListener(new io.nats.client.ErrorListener() {
                    @Override
                    public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
                        LOG.warn("NATS: this node reads its subscriptions too slowly; messages are being dropped");
                    }

                    @Override
                    public void messageDiscarded(Connection conn, io.nats.client.Message msg) {
                        LOG.debug("NATS: outgoing message discarded (queue full): {}", msg.getSubject());
                    }
                })
                .connectionListener((connection, event) -> {
                    if (event != ConnectionListener.Events.RESUBSCRIBED) {
                        LOG.info("NATS: {} ({})", event, connection.getConnectedUrl());
                    }
                })
                .build();
        try {
            return Nats.connectReconnectOnConnect(options);
        } catch (IOException e) {
            throw new IOException("cannot connect to NATS at " + cluster.nats().servers() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Joins the running cluster once the sessions exist: answers takeover and kick requests, closes the connections
     * another node ends or supersedes (on {@code worker}), starts heartbeats and ends the connections of nodes
     * declared dead (and tells {@code routes} of deaths and returns), and probes the stream on {@code timer} so that readiness follows a lost NATS majority.
     */
    public void attach(SessionRegistry sessions, ExecutorService worker, ScheduledExecutorService timer,
                       NodeHeartbeats.Listener routes) {
        control = new NodeControl(nats, config.node(), presence, sessions, log);
        log.useRemoteEnds(control);
        sessions.useRemoteKicks(control);
        sessions.useSessionClaims(control);
        log.onOwnershipLost((clientId, connectionId) -> {
            try {
                worker.execute(() -> {
                    if (sessions.release(clientId, connectionId)) {
                        LOG.info("closed {}'s connection {}: another node logged its end or a newer connection",
                                clientId, connectionId);
                    }
                });
            } catch (RejectedExecutionException stopping) {
                // the broker stops: the connection closes with it
            }
        });
        Duration timeout = config.cluster().nodeTimeout();
        heartbeats = new NodeHeartbeats(nats, HEARTBEATS, config.node(), timeout.dividedBy(BEATS_PER_TIMEOUT), timeout,
                clock, NodeHeartbeats.Listener.all(new NodeFailures(log), routes));
        heartbeats.expect(holders());
        long every = Math.max(100, timeout.dividedBy(BEATS_PER_TIMEOUT).toMillis());
        timer.scheduleWithFixedDelay(() -> log.probe(), every, every, TimeUnit.MILLISECONDS);
        long retentionCheck = Math.max(1, Math.min(60, config.statusLog().retention().toSeconds() / 10));
        timer.scheduleWithFixedDelay(log::applyRetention, retentionCheck, retentionCheck, TimeUnit.SECONDS);
    }

    /** The nodes the status log says hold connections now. */
    private Set<String> holders() {
        Set<String> nodes = new TreeSet<>();
        for (ClientStatus s : presence.online()) {
            nodes.add(s.node());
        }
        return nodes;
    }

    /**
     * What {@code pulsemq cluster status} shows: this node, the other nodes (heard from, declared dead, or holding
     * connections in the log) with their online clients, the NATS connection, and the status stream's state and
     * replicas as its leader reports them. Never blocks: the stream's state is one request.
     */
    public CompletableFuture<Map<String, Object>> status() {
        Map<String, Long> clients = new TreeMap<>();
        for (ClientStatus s : presence.online()) {
            clients.merge(s.node(), 1L, Long::sum);
        }
        Set<String> dead = heartbeats == null ? Set.of() : heartbeats.dead();
        Set<String> names = new TreeSet<>(clients.keySet());
        names.add(config.node());
        names.addAll(aliveNodes());
        names.addAll(dead);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (String n : names) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("node", n);
            row.put("self", n.equals(config.node()));
            row.put("alive", n.equals(config.node()) || aliveNodes().contains(n));
            row.put("onlineClients", clients.getOrDefault(n, 0L));
            nodes.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", config.node());
        out.put("engine", "nats");
        out.put("nodeTimeout", config.cluster().nodeTimeout().toMillis() + "ms");
        out.put("nodes", nodes);
        out.put("nats", Map.of("status", nats.getStatus().name(),
                "server", nats.getConnectedUrl() == null ? "" : nats.getConnectedUrl()));
        Map<String, Object> stream = new LinkedHashMap<>();
        stream.put("name", StatusSubjects.DEFAULT.stream());
        stream.put("appliedOffset", log.lastOffset());
        stream.put("writable", log.unavailable().isEmpty());
        log.unavailable().ifPresent(reason -> stream.put("reason", reason));
        out.put("stream", stream);
        CompletableFuture<io.nats.client.Message> info;
        try {
            info = nats.request(StatusSubjects.DEFAULT.infoSubject(), new byte[0]);
        } catch (RuntimeException e) {
            info = CompletableFuture.failedFuture(e);
        }
        return info.orTimeout(5, TimeUnit.SECONDS).handle((m, error) -> {
            try {
                if (error != null || m.isStatusMessage()) {
                    throw new IOException(error != null ? error.toString() : "NATS status " + m.getStatus());
                }
                JsonNode i = JSON.readTree(m.getData());
                if (i.has("error")) {
                    throw new IOException(i.path("error").path("description").asText());
                }
                JsonNode state = i.path("state");
                stream.put("messages", state.path("messages").asLong());
                stream.put("bytes", state.path("bytes").asLong());
                stream.put("firstOffset", state.path("first_seq").asLong());
                stream.put("lastOffset", state.path("last_seq").asLong());
                JsonNode c = i.path("cluster");
                stream.put("leader", c.path("leader").asText(""));
                List<Map<String, Object>> replicas = new ArrayList<>();
                for (JsonNode r : c.path("replicas")) {
                    replicas.add(Map.of("name", r.path("name").asText(), "current", r.path("current").asBoolean(),
                            "lag", r.path("lag").asLong(0)));
                }
                stream.put("replicas", replicas);
            } catch (IOException | RuntimeException e) {
                stream.put("writable", false);
                stream.put("reason", "the stream does not answer: " + e.getMessage());
            }
            return out;
        });
    }

    /** The status log in JetStream (also the read barrier of queries). */
    public JetStreamStatusLog statusLog() {
        return log;
    }

    /** The other nodes heard from within the node timeout. */
    public Set<String> aliveNodes() {
        return heartbeats == null ? Set.of() : heartbeats.alive();
    }

    /** The NATS connection, for the message routes between nodes. */
    public Connection nats() {
        return nats;
    }

    /** Stops heartbeats and requests, then the log, then the NATS connection (after the broker ended its clients). */
    @Override
    public void close() throws InterruptedException {
        if (heartbeats != null) {
            heartbeats.close();
        }
        if (control != null) {
            control.close();
        }
        log.close();
        nats.close();
    }
}
