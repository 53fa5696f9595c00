package io.pulsemq.it;

import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.bootstrap.PortsFile;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 during connection churn, {@value #ROUNDS} rounds on one data directory: a broker in a child process, four
 * threads connecting as fast as it answers (MQTT 3.1.1 over raw sockets, a pool of client IDs; each connection
 * then says DISCONNECT, drops, or stays), SIGKILL once {@value #CONNACKS_PER_ROUND} CONNACKs were read, a new child
 * on the same directory. Afterwards, in the status log: every CONNACK a client read has its {@code connect} (an
 * event is durable before its CONNACK), every connection has exactly one {@code tcpclean} (those the crashes cut:
 * {@code server_crash}), no client is online, and each client's versions run 1, 2, 3... without a gap across all
 * rounds.
 */
class CrashChurnIT {

    private static final int ROUNDS = 10;
    private static final int CONNACKS_PER_ROUND = 300;
    private static final int THREADS = 4;
    private static final int CLIENT_IDS = 40;

    @TempDir
    Path dataDir;

    @Test
    void sigkillDuringChurn_tenRounds_everyAcknowledgedConnectLogged_everyoneOffline_noVersionGap() throws Exception {
        Map<String, AtomicInteger> connacks = new ConcurrentHashMap<>();
        AtomicLong total = new AtomicLong();
        for (int round = 0; round < ROUNDS; round++) {
            Files.deleteIfExists(PortsFile.file(dataDir)); // the killed child's ports
            ChildBroker child = ChildBroker.start(dataDir, Map.of());
            List<Socket> kept = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try {
                BoundPorts ports = child.awaitPorts();
                AtomicLong thisRound = new AtomicLong();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    Thread th = new Thread(() -> churn(ports.mqtt(), thread, connacks, thisRound, kept),
                            "churn-" + t);
                    th.setDaemon(true);
                    th.start();
                    threads.add(th);
                }
                await().until(() -> thisRound.get() >= CONNACKS_PER_ROUND);
            } finally {
                child.close(); // SIGKILL, with connections in every state
            }
            for (Thread th : threads) {
                th.join(30_000);
                assertThat(th.isAlive()).as("churn thread stops once the broker is gone").isFalse();
            }
            for (Socket s : kept) {
                s.close();
            }
        }
        connacks.values().forEach(n -> total.addAndGet(n.get()));

        try (Broker restarted = Broker.start(BrokerFixture.defaultConfig(dataDir))) {
            Map<String, List<StatusEvent>> byClient = new LinkedHashMap<>();
            restarted.statusLog().read(0, Integer.MAX_VALUE, EventFilter.ALL, e -> {
                byClient.computeIfAbsent(e.event().clientId(), k -> new ArrayList<>()).add(e.event());
                return true;
            });
            long connects = 0;
            long crashes = 0;
            for (Map.Entry<String, AtomicInteger> c : connacks.entrySet()) {
                List<StatusEvent> events = byClient.getOrDefault(c.getKey(), List.of());
                long clientConnects = events.stream().filter(e -> e.eventType() == EventType.CONNECT).count();
                connects += clientConnects;
                crashes += events.stream().filter(e -> e.reason() == DisconnectReason.SERVER_CRASH).count();
                assertThat(clientConnects).as("connects logged for %s", c.getKey()).isGreaterThanOrEqualTo(c.getValue().get());
                for (int i = 0; i < events.size(); i++) {
                    assertThat(events.get(i).version()).as("version of %s event %d", c.getKey(), i).isEqualTo(i + 1);
                }
                Map<String, List<EventType>> byConnection = new LinkedHashMap<>();
                events.forEach(e -> byConnection.computeIfAbsent(e.channelId(), k -> new ArrayList<>()).add(e.eventType()));
                byConnection.forEach((channel, types) -> assertThat(types).as("events of connection %s", channel)
                        .isIn(List.of(EventType.CONNECT, EventType.TCPCLEAN),
                                List.of(EventType.CONNECT, EventType.DISCONNECT, EventType.TCPCLEAN)));
                assertThat(restarted.presence().get(c.getKey()).online()).as("%s online", c.getKey()).isFalse();
            }
            assertThat(crashes).as("connections cut by the crashes").isPositive();
            System.out.printf("CrashChurnIT: %d rounds of kill -9, %d CONNACKs read, %d connect events logged, "
                    + "%d tcpclean/server_crash, 0 version gaps%n", ROUNDS, total.get(), connects, crashes);
        }
    }

    /** Connects, reads CONNACK, then says DISCONNECT, drops, or keeps the connection; until the broker is gone. */
    private static void churn(int port, int thread, Map<String, AtomicInteger> connacks, AtomicLong thisRound,
                              List<Socket> kept) {
        for (long n = 0; ; n++) {
            String clientId = "GID_kill@@@c" + (thread * CLIENT_IDS / THREADS + n % (CLIENT_IDS / THREADS));
            Socket s = new Socket();
            try {
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                OutputStream out = s.getOutputStream();
                out.write(connect(clientId));
                out.flush();
                byte[] connack = new byte[4];
                new DataInputStream(s.getInputStream()).readFully(connack);
                if (connack[0] != 0x20 || connack[3] != 0) {
                    s.close();
                    return; // refused: the broker is going away
                }
                connacks.computeIfAbsent(clientId, k -> new AtomicInteger()).incrementAndGet();
                thisRound.incrementAndGet();
                switch ((int) (n % 3)) {
                    case 0 -> {
                        out.write(new byte[] {(byte) 0xE0, 0x00}); // DISCONNECT
                        s.close();
                    }
                    case 1 -> s.close(); // dropped: tcpclean connection_lost
                    default -> kept.add(s); // online until the crash (or a takeover by the next connect)
                }
            } catch (IOException gone) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a dead socket
                }
                return;
            }
        }
    }

    /** MQTT 3.1.1 CONNECT, clean session, keep-alive 0. */
    private static byte[] connect(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + 12 + id.length];
        int i = 0;
        p[i++] = 0x10;
        p[i++] = (byte) (12 + id.length);
        for (byte b : new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, (byte) id.length}) {
            p[i++] = b;
        }
        p[i - 2] = (byte) (id.length >> 8);
        System.arraycopy(id, 0, p, i, id.length);
        return p;
    }
}
