package io.pulsemq.it;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.sdk.Backoff;
import io.pulsemq.sdk.ClientSnapshot;
import io.pulsemq.sdk.ListQuery;
import io.pulsemq.sdk.PresenceListener;
import io.pulsemq.sdk.PresenceTracker;
import io.pulsemq.sdk.RetryPolicy;
import io.pulsemq.sdk.StatusClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The SDK's presence tracker against a real broker: after churn of hundreds of clients (clean and unclean
 * disconnects, takeovers), a restart on a new port and a forced 410, its mirror is exactly the server's list and
 * its listeners reported each transition once, in order.
 */
class PresenceTrackerIT {

    private static final Backoff FAST = new Backoff(Duration.ofMillis(10), Duration.ofMillis(200), 2, 0.5);
    private static final List<String> GROUPS = List.of("GID_a", "GID_b", "GID_c");

    private BrokerFixture broker;
    private final AtomicReference<URI> detour = new AtomicReference<>();
    private final Map<String, RawMqttClient> connections = new HashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        dropConnections();
        if (broker != null) {
            broker.close();
        }
    }

    /** The live broker's address, unless a test sends the tracker elsewhere. */
    private Supplier<URI> trackerUrl() {
        return () -> detour.get() != null ? detour.get() : URI.create("http://127.0.0.1:" + broker.httpPort());
    }

    private StatusClient client(Supplier<URI> url) {
        StatusClient c = StatusClient.builder().baseUrl(url).accessKey(ADMIN.id()).secretKey(ADMIN.secret())
                .retryPolicy(RetryPolicy.NONE).build();
        closeables.add(c);
        return c;
    }

    /** Records each client's transitions in the order the listener heard them. */
    static final class Recorder implements PresenceListener {
        final Map<String, List<Boolean>> transitions = new HashMap<>();
        final Set<DisconnectReason> reasons = new HashSet<>();

        @Override
        public synchronized void onOnline(ClientStatus status) {
            transitions.computeIfAbsent(status.clientId(), k -> new ArrayList<>()).add(true);
        }

        @Override
        public synchronized void onOffline(ClientStatus status, DisconnectReason reason) {
            transitions.computeIfAbsent(status.clientId(), k -> new ArrayList<>()).add(false);
            reasons.add(reason);
        }

        synchronized Set<String> online() {
            return transitions.entrySet().stream().filter(e -> e.getValue().get(e.getValue().size() - 1))
                    .map(Map.Entry::getKey).collect(Collectors.toSet());
        }

        synchronized Map<String, List<Boolean>> snapshot() {
            Map<String, List<Boolean>> copy = new HashMap<>();
            transitions.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return copy;
        }
    }

    @Test
    void tracker_afterChurnRestartAndForced410_matchesTheServerExactly_andReportsEachTransitionOnce() throws Exception {
        broker = BrokerFixture.start();
        StatusClient server = client(() -> URI.create("http://127.0.0.1:" + broker.httpPort()));
        Recorder recorder = new Recorder();
        ExecutorService listenerPool = Executors.newFixedThreadPool(4);
        closeables.add(listenerPool::shutdownNow);
        PresenceTracker tracker = PresenceTracker.builder().client(client(trackerUrl()))
                .reconnectBackoff(FAST).listenerExecutor(listenerPool).listener(recorder).build();
        closeables.add(0, tracker);
        Random random = new Random(5);

        churn(random, 150, 400);
        tracker.start();
        assertThat(tracker.awaitSynced(Duration.ofSeconds(10))).isTrue();
        churn(random, 150, 400);
        awaitMirrorMatches(tracker, recorder, server);

        // A restart (ending the online clients with server_shutdown) moves the broker to new ports; the tracker
        // follows the URL supplier and resumes.
        broker.restart();
        dropConnections();
        churn(random, 150, 300);
        awaitMirrorMatches(tracker, recorder, server);

        // Keep the tracker away while retention drops the events after its offset: it must relist on 410.
        detour.set(closedPortUri());
        dropConnections();
        broker.restart();
        await().until(() -> !tracker.isSynced());
        churn(random, 150, 300);
        long trackerAt = tracker.revision();
        long lastTime = broker.broker().embeddedStatusLog().get(broker.broker().statusLog().lastOffset()).time();
        await().until(() -> System.currentTimeMillis() > lastTime);
        broker.broker().embeddedStatusLog().applyRetention(Duration.ZERO, 0).join();
        assertThat(broker.broker().statusLog().firstOffset()).isGreaterThan(trackerAt + 1);
        detour.set(null);
        awaitMirrorMatches(tracker, recorder, server);

        Map<String, List<Boolean>> heard = recorder.snapshot();
        assertThat(heard).hasSizeGreaterThan(100);
        heard.forEach((clientId, list) -> {
            assertThat(list.get(0)).as("first transition of %s", clientId).isTrue();
            for (int i = 1; i < list.size(); i++) {
                assertThat(list.get(i)).as("transition %d of %s alternates: %s", i, clientId, list)
                        .isNotEqualTo(list.get(i - 1));
            }
        });
        assertThat(recorder.reasons).contains(DisconnectReason.CLIENT_DISCONNECT, DisconnectReason.CONNECTION_LOST,
                DisconnectReason.SESSION_TAKEN_OVER, DisconnectReason.SERVER_SHUTDOWN);

        tracker.close();
        await().until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("pulsemq-sdk-tracker-")));
    }

    @Test
    void groupTracker_mirrorsOnlyItsGroup_andSeesAKickAsOfflineKicked() throws Exception {
        broker = BrokerFixture.start();
        StatusClient server = client(() -> URI.create("http://127.0.0.1:" + broker.httpPort()));
        Recorder recorder = new Recorder();
        PresenceTracker tracker = PresenceTracker.builder().baseUrl(trackerUrl())
                .accessKey(ADMIN.id()).secretKey(ADMIN.secret()).group("GID_a").listener(recorder).build().start();
        closeables.add(0, tracker);
        assertThat(tracker.awaitSynced(Duration.ofSeconds(10))).isTrue();

        connect("GID_a@@@one");
        connect("GID_b@@@two");
        await().until(() -> tracker.isOnline("GID_a@@@one"));
        assertThat(server.kick("GID_a@@@one")).isTrue();

        await().until(() -> !tracker.isOnline("GID_a@@@one"));
        assertThat(recorder.reasons).containsExactly(DisconnectReason.KICKED);
        assertThat(tracker.status("GID_b@@@two")).isEmpty();
        assertThat(tracker.onlineCount()).isZero();
    }

    /** {@code ops} random steps over {@code clients} client IDs in three groups. */
    private void churn(Random random, int clients, int ops) throws IOException {
        for (int i = 0; i < ops; i++) {
            int n = random.nextInt(clients);
            String id = GROUPS.get(n % GROUPS.size()) + "@@@dev" + n;
            RawMqttClient c = connections.get(id);
            if (c == null) {
                connect(id);
                continue;
            }
            switch (random.nextInt(3)) {
                case 0 -> {
                    c.disconnect();
                    c.close();
                    connections.remove(id);
                }
                case 1 -> {
                    c.close();
                    connections.remove(id);
                }
                default -> {
                    connect(id);
                    c.close();
                }
            }
        }
    }

    private void connect(String clientId) throws IOException {
        connections.put(clientId, RawMqttClient.connect(broker, RawMqttClient.Connect.v311(clientId)));
    }

    private void dropConnections() throws IOException {
        for (RawMqttClient c : connections.values()) {
            c.close();
        }
        connections.clear();
    }

    private static URI closedPortUri() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    private static void awaitMirrorMatches(PresenceTracker tracker, Recorder recorder, StatusClient server) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ClientSnapshot list = server.snapshot(ListQuery.all());
            Set<String> online = list.clients().stream().filter(ClientStatus::online).map(ClientStatus::clientId)
                    .collect(Collectors.toSet());
            assertThat(tracker.onlineClients()).containsExactlyInAnyOrderElementsOf(online);
            for (ClientStatus s : list.clients()) {
                assertThat(tracker.status(s.clientId()).map(ClientStatus::version)).as(s.clientId())
                        .contains(s.version());
            }
            assertThat(recorder.online()).isEqualTo(online);
        });
    }
}
