package io.pulsemq.broker.cluster;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Which nodes of the cluster are alive. Each node publishes its name on a core NATS subject every {@code interval};
 * a node not heard from for longer than {@code timeout} ({@code cluster.nodeTimeout}) is declared dead, once, to the
 * {@link Listener}; heard from again, it is alive again (and the listener is told). Core NATS, not JetStream: a
 * heartbeat that is late is worth nothing, and one that is lost is replaced by the next.
 *
 * <p>Each survivor decides on its own; what a death means for the status log is made exactly-once there
 * ({@link JetStreamStatusLog#endConnectionsOf}), so survivors need not agree on who acts.
 *
 * <p>Threading: heartbeats are sent and silences checked on one thread of its own; heartbeats are received on a NATS
 * dispatcher thread; the listener runs on either (it must be quick and hand real work elsewhere).
 */
public final class NodeHeartbeats implements AutoCloseable {

    /** Told when another node is declared dead, and when a node declared dead is heard from again. */
    public interface Listener {
        /** {@code node} was silent longer than the timeout. */
        void dead(String node);

        /** {@code node}, declared dead earlier, is heard from again. */
        default void alive(String node) {
        }

        /** A listener that tells each of {@code listeners} in turn (one failing does not keep the others from it). */
        static Listener all(Listener... listeners) {
            List<Listener> each = List.of(listeners);
            return new Listener() {
                @Override
                public void dead(String node) {
                    each.forEach(l -> tell(l, node, () -> l.dead(node)));
                }

                @Override
                public void alive(String node) {
                    each.forEach(l -> tell(l, node, () -> l.alive(node)));
                }
            };
        }

        private static void tell(Listener l, String node, Runnable call) {
            try {
                call.run();
            } catch (RuntimeException failed) {
                LOG.error("{} failed on news of node {}", l, node, failed);
            }
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeHeartbeats.class);

    private final Connection nats;
    private final String subject;
    private final String node;
    private final long timeoutMillis;
    private final long intervalMillis;
    private final long checkMillis;
    private static final int CHECKS_PER_BEAT = 4;
    /** When the last check ran; heartbeat thread only. */
    private long lastCheck;
    private final Clock clock;
    private final Listener listener;
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService thread;
    private final Dispatcher dispatcher;

    /**
     * Starts sending this node's heartbeats and listening for the others'.
     *
     * @param subject  the core NATS subject every node of the cluster publishes on
     * @param node     this node's name (never declared dead here)
     * @param interval between two heartbeats of this node
     * @param timeout  silence after which another node is dead; several intervals long
     */
    public NodeHeartbeats(Connection nats, String subject, String node, Duration interval, Duration timeout,
                          Clock clock, Listener listener) {
        if (timeout.compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("the timeout (" + timeout + ") must be at least two heartbeat intervals ("
                    + interval + ")");
        }
        this.nats = nats;
        this.subject = subject;
        this.node = node;
        this.timeoutMillis = timeout.toMillis();
        this.intervalMillis = interval.toMillis();
        this.checkMillis = Math.max(10, intervalMillis / CHECKS_PER_BEAT);
        this.lastCheck = clock.millis();
        this.clock = clock;
        this.listener = listener;
        this.dispatcher = nats.createDispatcher(m -> heard(new String(m.getData(), StandardCharsets.UTF_8)));
        dispatcher.subscribe(subject);
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("pulsemq-heartbeats", true));
        long every = interval.toMillis();
        thread.scheduleAtFixedRate(this::beat, 0, every, TimeUnit.MILLISECONDS);
        // silences are checked four times per heartbeat: a death is declared within a quarter interval of the timeout
        thread.scheduleAtFixedRate(this::check, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Expects heartbeats from {@code nodes} (the nodes the status log says hold connections) as if each had just been
     * heard: one that stays silent for the timeout is declared dead, although this node never heard it (it died while
     * this node was down).
     */
    public void expect(Set<String> nodes) {
        long now = clock.millis();
        for (String other : nodes) {
            if (!other.equals(node)) {
                lastHeard.putIfAbsent(other, now);
            }
        }
    }

    /**
     * Whether a running process already sends heartbeats as {@code node}: listens on {@code subject} for up to
     * {@code wait} (two heartbeat intervals) before this node starts its own. Two processes with one name would take
     * each other's takeover requests and hide each other's death.
     */
    public static boolean nameInUse(Connection nats, String subject, String node, Duration wait)
            throws InterruptedException {
        java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(1);
        Dispatcher d = nats.createDispatcher(m -> {
            if (node.equals(new String(m.getData(), StandardCharsets.UTF_8))) {
                heard.countDown();
            }
        });
        d.subscribe(subject);
        try {
            return heard.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            nats.closeDispatcher(d);
        }
    }

    /** The other nodes heard from within the timeout, in name order. */
    public Set<String> alive() {
        Set<String> out = new TreeSet<>(lastHeard.keySet());
        out.removeAll(dead);
        return out;
    }

    /** The other nodes declared dead and not heard from since, in name order. */
    public Set<String> dead() {
        return new TreeSet<>(dead);
    }

    /** Stops sending heartbeats (the others will declare this node dead) and listening. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            nats.closeDispatcher(dispatcher);
        } catch (IllegalStateException closed) {
            // the connection is gone already
        }
    }

    private void heard(String from) {
        if (from.equals(node)) {
            return;
        }
        lastHeard.put(from, clock.millis());
        if (dead.remove(from)) {
            LOG.info("node {} is heard from again", from);
            listener.alive(from);
        }
    }

    private void beat() {
        try {
            nats.publish(subject, node.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalStateException notConnected) {
            LOG.debug("no heartbeat sent: {}", notConnected.getMessage());
        }
    }

    private void check() {
        long now = clock.millis();
        long since = now - lastCheck;
        lastCheck = now;
        if (nats.getStatus() != Connection.Status.CONNECTED || since > checkMillis + timeoutMillis / 2) {
            // This node heard nothing because it could not: it was cut off from NATS, or it did not run (frozen, a
            // long pause). The others' silence says nothing about them; each gets a fresh timeout.
            if (since > checkMillis + timeoutMillis / 2) {
                LOG.warn("this node did not run for {} ms: the other nodes get a fresh timeout", since);
            }
            lastHeard.replaceAll((other, heard) -> now);
            return;
        }
        for (Map.Entry<String, Long> e : lastHeard.entrySet()) {
            String other = e.getKey();
            if (now - e.getValue() > timeoutMillis && dead.add(other)) {
                LOG.warn("node {} declared dead: nothing heard from it for {} ms", other, now - e.getValue());
                try {
                    listener.dead(other);
                } catch (RuntimeException failed) {
                    LOG.error("acting on the death of node {} failed", other, failed);
                }
            }
        }
    }
}
