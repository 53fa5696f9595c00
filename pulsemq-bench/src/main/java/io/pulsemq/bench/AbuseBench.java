package io.pulsemq.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Part 9 against one running broker: abuse a production broker must survive with bounded memory. Three floods,
 * each followed by the check of part 6 (does it serve a normal client afterwards?):
 * <ol>
 *   <li>ten QoS 1 publishers that never read their PUBACKs (1 KB payloads, raw sockets with 4 KiB receive
 *       buffers): a broker that keeps reading them piles up acknowledgements it cannot send;</li>
 *   <li>messages of about 1 MB (1,000,000-byte payloads, within every broker's default packet limit) at QoS 1 into
 *       {@value #OFFLINE_SESSIONS} offline persistent sessions: a broker that queues them on the heap holds
 *       {@value #OFFLINE_SESSIONS} copies of each;</li>
 *   <li>a connection storm: {@value #STORM} sockets opened at once, each sending half a CONNECT, then all dropped.</li>
 * </ol>
 * Raw blocking sockets on their own threads, so that a client that does not read is exactly that.
 */
final class AbuseBench {

    static final int PUBLISHERS = 10;
    static final int OFFLINE_SESSIONS = 20;
    static final int BIG_PAYLOAD = 1_000_000;
    static final int STORM = 5_000;
    private static final int SMALL_RECEIVE_BUFFER = 4096;

    private final BenchOptions options;
    private final PubSubBench pubsub;
    private final Consumer<String> log;

    AbuseBench(BenchOptions options, PubSubBench pubsub, Consumer<String> log) {
        this.options = options;
        this.pubsub = pubsub;
        this.log = log;
    }

    List<Results.Abuse> run(BrokerUnderTest broker) throws Exception {
        List<Results.Abuse> out = new ArrayList<>();
        out.add(measure(broker, "10 QoS 1 publishers that never read, 1 KB", sent -> nonReadingPublishers(broker, sent)));
        if (broker.process().alive()) {
            out.add(measure(broker, "1 MB QoS 1 into " + OFFLINE_SESSIONS + " offline sessions",
                    sent -> intoOfflineSessions(broker, sent)));
        }
        if (broker.process().alive()) {
            out.add(measure(broker, STORM + " connections at once, half a CONNECT each",
                    sent -> storm(broker, sent)));
        }
        return out;
    }

    /** A flood: what it got onto the broker's sockets goes to {@code sent}. */
    private interface Flood {
        void run(AtomicLong sent) throws Exception;
    }

    private Results.Abuse measure(BrokerUnderTest broker, String flood, Flood body) throws Exception {
        long baseline = MachineInfo.rssKiB(broker.pid());
        AtomicLong peak = new AtomicLong(baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-abuse-rss");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(MachineInfo.rssKiB(broker.pid()), Math::max),
                0, 100, TimeUnit.MILLISECONDS);
        AtomicLong sent = new AtomicLong();
        long t0 = System.nanoTime();
        String error = null;
        log.accept(String.format(Locale.ROOT, "  %s: %s", broker.name(), flood));
        try {
            body.run(sent);
        } catch (Exception e) {
            error = String.valueOf(e);
        } finally {
            sampler.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        PubSubBench.After after = pubsub.afterCheck(broker);
        Results.Abuse r = new Results.Abuse(broker.name(), broker.version(), flood, seconds, sent.get(), baseline,
                peak.get(), after.alive(), after.deliveredPerSecond(), after.lost(),
                after.error() != null ? after.error() : error);
        log.accept(String.format(Locale.ROOT, "    sent %,d, RSS %,d -> peak %,d KiB; afterwards %s", r.sent(),
                baseline, r.peakRssKiB(), r.servesAfterwards() ? String.format(Locale.ROOT,
                        "%,.0f delivered/s, nothing lost", r.afterDeliveredPerSecond()) : "NOT serving normally: "
                        + (r.afterError() != null ? r.afterError() : "lost " + r.afterLost())));
        return r;
    }

    /** {@value #PUBLISHERS} publishers write QoS 1 PUBLISHes without ever reading, for the overload duration. */
    private void nonReadingPublishers(BrokerUnderTest broker, AtomicLong sent) throws Exception {
        List<Socket> sockets = new CopyOnWriteArrayList<>();
        List<Thread> writers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        for (int p = 0; p < PUBLISHERS; p++) {
            Socket s = new Socket();
            s.setReceiveBufferSize(SMALL_RECEIVE_BUFFER);
            s.connect(broker.mqtt(), 10_000);
            sockets.add(s);
            s.getOutputStream().write(connect("abuse-pub-" + p + "-" + System.nanoTime(), true));
            byte[] batch = publishes("abuse/flood", 1024, 64);
            Thread t = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    while (!stop.get()) {
                        out.write(batch); // blocks once the broker stops reading: that is the point
                        sent.addAndGet(64);
                    }
                } catch (IOException closed) {
                    // the broker closed it, or the flood ended and closed the socket under a blocked write
                }
            }, "bench-abuse-pub-" + p);
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
        TimeUnit.MILLISECONDS.sleep(options.overloadDuration().toMillis());
        stop.set(true);
        for (Socket s : sockets) {
            s.close();
        }
        for (Thread t : writers) {
            t.join(10_000);
        }
    }

    /**
     * {@value #OFFLINE_SESSIONS} persistent sessions subscribe at QoS 1 and leave; two publishers send 1 MB QoS 1
     * messages (each waits for its PUBACK) for the overload duration.
     */
    private void intoOfflineSessions(BrokerUnderTest broker, AtomicLong sent) throws Exception {
        String topic = "abuse/offline/" + System.nanoTime();
        for (int i = 0; i < OFFLINE_SESSIONS; i++) {
            try (Socket s = new Socket()) {
                s.connect(broker.mqtt(), 10_000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.write(connect("abuse-offline-" + i + "-" + topic.hashCode(), false));
                in.readFully(new byte[4]); // CONNACK
                out.write(subscribe(topic));
                in.readFully(new byte[5]); // SUBACK
                out.write(new byte[] {(byte) 0xE0, 0});
            }
        }
        long end = System.nanoTime() + options.overloadDuration().toNanos();
        List<Thread> publishers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int n = p;
            Thread t = new Thread(() -> {
                try (Socket s = new Socket()) {
                    s.connect(broker.mqtt(), 10_000);
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    out.write(connect("abuse-big-" + n + "-" + System.nanoTime(), true));
                    in.readFully(new byte[4]);
                    byte[] one = publishes(topic, BIG_PAYLOAD, 1);
                    while (System.nanoTime() < end) {
                        out.write(one);
                        in.readFully(new byte[4]); // PUBACK
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    // refused or closed by the broker: what it did is in the figures
                }
            }, "bench-abuse-big-" + p);
            t.setDaemon(true);
            t.start();
            publishers.add(t);
        }
        for (Thread t : publishers) {
            t.join(options.overloadDuration().toMillis() + 60_000);
        }
    }

    /** {@value #STORM} sockets each send half a CONNECT; then every one is dropped. */
    private void storm(BrokerUnderTest broker, AtomicLong sent) throws Exception {
        List<Socket> sockets = new ArrayList<>(STORM);
        byte[] half = connect("abuse-storm", true);
        try {
            for (int i = 0; i < STORM; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(broker.mqtt().getAddress(), broker.mqtt().getPort()), 10_000);
                s.getOutputStream().write(half, 0, half.length / 2);
                sockets.add(s);
                sent.incrementAndGet();
            }
        } finally {
            for (Socket s : sockets) {
                s.setSoLinger(true, 0); // dropped: a reset, not a goodbye
                s.close();
            }
        }
    }

    // ---- MQTT 3.1.1 packets ------------------------------------------------------------------

    private static byte[] connect(String clientId, boolean clean) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[10 + 2 + id.length];
        byte[] head = {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) (clean ? 0x02 : 0x00), 0, 0};
        System.arraycopy(head, 0, body, 0, head.length);
        body[10] = (byte) (id.length >> 8);
        body[11] = (byte) id.length;
        System.arraycopy(id, 0, body, 12, id.length);
        return packet(0x10, body);
    }

    private static byte[] subscribe(String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[2 + 2 + t.length + 1];
        body[1] = 1;
        body[2] = (byte) (t.length >> 8);
        body[3] = (byte) t.length;
        System.arraycopy(t, 0, body, 4, t.length);
        body[body.length - 1] = 1;
        return packet(0x82, body);
    }

    /** {@code count} QoS 1 PUBLISHes of {@code payload} bytes, packet IDs 1.., back to back. */
    private static byte[] publishes(String topic, int payload, int count) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        List<byte[]> all = new ArrayList<>();
        int size = 0;
        for (int i = 1; i <= count; i++) {
            byte[] body = new byte[2 + t.length + 2 + payload];
            body[0] = (byte) (t.length >> 8);
            body[1] = (byte) t.length;
            System.arraycopy(t, 0, body, 2, t.length);
            body[2 + t.length] = (byte) (i >> 8);
            body[3 + t.length] = (byte) i;
            byte[] p = packet(0x32, body);
            all.add(p);
            size += p.length;
        }
        byte[] out = new byte[size];
        int at = 0;
        for (byte[] p : all) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] packet(int type, byte[] body) {
        byte[] len = new byte[4];
        int n = 0;
        int x = body.length;
        do {
            int d = x % 128;
            x /= 128;
            len[n++] = (byte) (x > 0 ? d | 0x80 : d);
        } while (x > 0);
        byte[] out = new byte[1 + n + body.length];
        out[0] = (byte) type;
        System.arraycopy(len, 0, out, 1, n);
        System.arraycopy(body, 0, out, 1 + n, body.length);
        return out;
    }
}
