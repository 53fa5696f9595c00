package io.pulsemq.bench.amqp;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.model.StatusNotice;
import com.alibaba.mqtt.server.model.StatusType;
import io.pulsemq.bench.LatencyStats;
import io.pulsemq.bench.MqttLoadGenerator;
import io.pulsemq.bench.Results;
import io.pulsemq.broker.auth.Credentials;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.PortsFile;
import io.pulsemq.broker.config.AccessKey;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Part 4 of {@code ./pulsemq bench}: status notifications to backends, against a PulseMQ in <b>its own JVM</b>
 * (started by the caller, like parts 1 and 2). Devices are cheap raw Netty MQTT clients ({@link PacedDevices});
 * the consumers are the published ApsaraMQ server SDK ({@code ServerConsumer}, AMQP 0-9-1 endpoint) and the
 * Server-Sent Events stream ({@code GET /api/v1/status/events}). The consumers run in this JVM, the devices in
 * a child JVM of their own ({@link ChildDevices}: a backend's JVM holds no device connections, and theirs would
 * put collector pauses into the consumers' timestamps); both read the machine's one monotonic clock.
 *
 * <ol>
 *   <li><b>Warm-up</b> (not measured): devices connect at {@code rate}/s for {@code warmupSeconds} with both
 *       consumers attached, then disconnect; the broker's JIT and pools settle.</li>
 *   <li><b>Latency at a fixed rate</b>, once per consumer (the other one detached): devices connect at
 *       {@code rate}/s for {@code seconds} and stay connected; for each, the time from the device reading its
 *       CONNACK to the consumer receiving its ONLINE notice ({@code StatusListener}) or its {@code connect}
 *       event (SSE). Negative values: the notice came first (the event is durable before CONNACK is sent).</li>
 *   <li><b>Highest sustained rate to one group</b>: {@code backlog} status events (connect, disconnect,
 *       tcpclean per device cycle) are produced while the group's consumer is away; then one
 *       {@code ServerConsumer} drains them, and one SSE stream reads the same events from the position before
 *       them; events per second from the first to the last.</li>
 * </ol>
 *
 * {@link #main} runs it against a broker already running: {@code dataDir=DIR [rate=1000 seconds=5 warmup=5
 * backlog=150000]} (ports and admin key from the broker's data directory).
 */
public final class StatusNotificationBenchmark {

    /** Unmeasured warm-up before the latency phases, at their rate. */
    public static final int WARMUP_SECONDS = 15;
    /** The broker's default {@code instanceId} (what a broker started without a config file has). */
    public static final String DEFAULT_INSTANCE_ID = "pulsemq-local";
    static final String GROUP = "GID_bench";
    private static final String DRAIN_GROUP = "GID_bench_tp";
    /** Devices producing the backlog. */
    static final int DRAIN_CLIENTS = 200;
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");
    private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");

    /**
     * The broker under test.
     *
     * @param host       its address
     * @param ports      its bound ports
     * @param instanceId its {@code instanceId}
     * @param key        an access key allowed every group (role admin or server)
     */
    public record Target(String host, BoundPorts ports, String instanceId, AccessKey key) {
    }

    private StatusNotificationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            opts.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        Path dataDir = Path.of(opts.getOrDefault("dataDir", "data"));
        List<AccessKey> keys = Credentials.read(Credentials.file(dataDir));
        AccessKey admin = keys.stream().filter(k -> k.role() == AccessKey.Role.ADMIN).findFirst().orElse(keys.get(0));
        Target target = new Target("127.0.0.1", PortsFile.read(dataDir), opts.getOrDefault("instanceId", DEFAULT_INSTANCE_ID),
                admin);
        Results.StatusNotifications r = run(target, Integer.parseInt(opts.getOrDefault("rate", "1000")),
                Integer.parseInt(opts.getOrDefault("seconds", "10")), Integer.parseInt(opts.getOrDefault("warmup", String.valueOf(WARMUP_SECONDS))),
                Integer.parseInt(opts.getOrDefault("backlog", "150000")), System.out::println);
        System.out.println(r);
        System.exit(0); // the SDK leaves non-daemon threads behind
    }

    /**
     * Runs the warm-up, both latency measurements and the drain. The SDK leaves non-daemon threads behind: the
     * caller ends the JVM with {@link System#exit}.
     *
     * @param progress receives one line per finished step
     */
    public static Results.StatusNotifications run(Target target, int rate, int seconds, int warmupSeconds, int backlog,
                                                  Consumer<String> progress) throws Exception {
        InetSocketAddress mqtt = new InetSocketAddress(target.host(), target.ports().mqtt());
        Notices notices = new Notices();
        Phase amqp;
        Phase sse;
        try (Devices devices = ChildDevices.start(mqtt)) {
            ServerConsumer consumer = new ServerConsumer(channel(target), new ConsumerConfig());
            consumer.start();
            consumer.subscribeStatus(GROUP, notices::onNotice);
            if (warmupSeconds > 0) {
                Phase warm = new Phase("warm-", rate * warmupSeconds);
                notices.current = warm;
                try (SseListener stream = sse(target, "group=" + GROUP + "&types=connect", notices::onSse)) {
                    warm.run(devices, rate, seconds);
                }
                notices.offlineExpected(warm.count);
                devices.disconnectAll();
                notices.awaitOffline(60);
                progress.accept("warm-up: " + warm.count + " devices in " + warmupSeconds + " s");
            }
            amqp = new Phase("amqp-", rate * seconds);
            notices.current = amqp;
            amqp.run(devices, rate, seconds);
            SdkConsumers.stop(consumer);
            progress.accept("CONNACK -> StatusListener: " + amqp.summary(amqp.amqpNoticeAt, amqp.amqpDone));
            amqp.dump("sdk", amqp.amqpNoticeAt);
            devices.disconnectAll();

            sse = new Phase("sse-", rate * seconds);
            notices.current = sse;
            try (SseListener stream = sse(target, "group=" + GROUP + "&types=connect", notices::onSse)) {
                sse.run(devices, rate, seconds);
            }
            progress.accept("CONNACK -> SSE event: " + sse.summary(sse.sseNoticeAt, sse.sseDone));
            sse.dump("sse", sse.sseNoticeAt);
            devices.disconnectAll();
        }
        Drain drain = drain(target, backlog, progress);
        return new Results.StatusNotifications(rate, seconds, warmupSeconds, rate * seconds,
                amqp.latency(amqp.amqpNoticeAt), amqp.amqpDone.getCount() == 0, amqp.hiccups,
                sse.latency(sse.sseNoticeAt), sse.sseDone.getCount() == 0, sse.hiccups,
                drain.events, drain.clients, drain.amqp.received, drain.amqp.seconds(), drain.amqp.rate(),
                drain.amqp.received >= drain.events, drain.sse.received, drain.sse.seconds(), drain.sse.rate());
    }

    // ---- latency -------------------------------------------------------------------------------

    /** One group of devices connecting at the fixed rate, and when each one's notices arrived. */
    private static final class Phase {
        final String prefix;
        final int count;
        final AtomicLongArray connackAt;
        final AtomicLongArray amqpNoticeAt;
        final AtomicLongArray sseNoticeAt;
        final CountDownLatch amqpDone;
        final CountDownLatch sseDone;
        String error;
        LatencyStats hiccups = LatencyStats.EMPTY;

        Phase(String prefix, int count) {
            this.prefix = GROUP + "@@@" + prefix;
            this.count = count;
            connackAt = new AtomicLongArray(count);
            amqpNoticeAt = new AtomicLongArray(count);
            sseNoticeAt = new AtomicLongArray(count);
            amqpDone = new CountDownLatch(count);
            sseDone = new CountDownLatch(count);
        }

        /** Connects the devices at {@code rate}/s, then waits for the notices of the attached consumer. */
        void run(Devices devices, int rate, int seconds) throws InterruptedException {
            Hiccups h = Hiccups.start();
            try {
                connectAndWait(devices, rate, seconds);
            } finally {
                hiccups = h.stop();
            }
        }

        private void connectAndWait(Devices devices, int rate, int seconds) throws InterruptedException {
            if (!devices.connect(prefix, count, rate, connackAt, seconds + 60L)) {
                error = devices.firstError();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // one of the two consumers is attached; wait for it
            while (System.nanoTime() < deadline && amqpDone.getCount() > 0 && sseDone.getCount() > 0) {
                if (amqpDone.await(100, TimeUnit.MILLISECONDS) || sseDone.await(1, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        }

        int index(String clientId) {
            if (clientId == null || !clientId.startsWith(prefix)) {
                return -1;
            }
            try {
                int i = Integer.parseInt(clientId, prefix.length(), clientId.length(), 10);
                return i >= 0 && i < count ? i : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /**
         * With the system property {@code bench.amqp.dump} set to a directory: writes this phase's samples there
         * as CSV ({@code device,connackNanos,noticeNanos}), for looking at when the slow ones happened.
         */
        void dump(String consumer, AtomicLongArray noticeAt) {
            String dir = System.getProperty("bench.amqp.dump");
            if (dir == null) {
                return;
            }
            StringBuilder csv = new StringBuilder("device,connackNanos,noticeNanos\n");
            for (int i = 0; i < count; i++) {
                csv.append(i).append(',').append(connackAt.get(i)).append(',').append(noticeAt.get(i)).append('\n');
            }
            try {
                java.nio.file.Files.writeString(Path.of(dir, consumer + ".csv"), csv);
            } catch (IOException e) {
                System.err.println("bench.amqp.dump: " + e);
            }
        }

        LatencyStats latency(AtomicLongArray noticeAt) {
            long[] micros = new long[count];
            int n = 0;
            for (int i = 0; i < count; i++) {
                long c = connackAt.get(i);
                long s = noticeAt.get(i);
                if (c != 0 && s != 0) {
                    micros[n++] = (s - c) / 1000; // negative: the notice came before the device read CONNACK
                }
            }
            long[] sorted = Arrays.copyOf(micros, n);
            Arrays.sort(sorted);
            return LatencyStats.ofSortedMicros(sorted);
        }

        String summary(AtomicLongArray noticeAt, CountDownLatch done) {
            LatencyStats l = latency(noticeAt);
            return String.format(java.util.Locale.ROOT, "%,d of %,d, p50 %s p99 %s max %s%s%s (hiccups p99 %s max %s)",
                    l.count(), count, LatencyStats.format(l.p50Us()), LatencyStats.format(l.p99Us()),
                    LatencyStats.format(l.maxUs()), done.getCount() == 0 ? "" : " (INCOMPLETE)",
                    error == null ? "" : "; device error: " + error, LatencyStats.format(hiccups.p99Us()),
                    LatencyStats.format(hiccups.maxUs()));
        }
    }

    /** Routes the consumers' notices to the current phase. */
    private static final class Notices {
        volatile Phase current;
        final AtomicInteger offlineToCome = new AtomicInteger();
        private volatile CountDownLatch offlineDone = new CountDownLatch(0);

        void onNotice(StatusNotice n) {
            Phase p = current;
            long now = System.nanoTime();
            if (p == null) {
                return;
            }
            int i = p.index(n.getClientId());
            if (i < 0) {
                return;
            }
            if (n.getStatusType() == StatusType.ONLINE) {
                if (p.amqpNoticeAt.compareAndSet(i, 0, now)) {
                    p.amqpDone.countDown();
                }
            } else if (n.getStatusType() == StatusType.OFFLINE && offlineToCome.decrementAndGet() >= 0) {
                offlineDone.countDown();
            }
        }

        void onSse(String json) {
            long now = System.nanoTime();
            Phase p = current;
            if (p == null) {
                return;
            }
            int i = p.index(SseListener.field(json, "clientId"));
            if (i >= 0 && p.sseNoticeAt.compareAndSet(i, 0, now)) {
                p.sseDone.countDown();
            }
        }

        void offlineExpected(int n) {
            offlineToCome.set(n);
            offlineDone = new CountDownLatch(n);
        }

        void awaitOffline(long seconds) throws InterruptedException {
            offlineDone.await(seconds, TimeUnit.SECONDS);
        }
    }

    // ---- drain ---------------------------------------------------------------------------------

    private record Drain(long events, int clients, Rate amqp, Rate sse) {
    }

    /** Events received by one consumer and the times of the first and the last. */
    private static final class Rate {
        final AtomicLong firstAt = new AtomicLong();
        final AtomicLong lastAt = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final long expected;
        volatile long received;
        private final AtomicLong count = new AtomicLong();

        Rate(long expected) {
            this.expected = expected;
        }

        void hit() {
            long now = System.nanoTime();
            firstAt.compareAndSet(0, now);
            lastAt.set(now);
            long c = count.incrementAndGet();
            received = c;
            if (c == expected) {
                done.countDown();
            }
        }

        /** Waits until all arrived, or 10 s pass without one, or 10 minutes in all. */
        void await() throws InterruptedException {
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline && !done.await(1, TimeUnit.SECONDS)) {
                long last = lastAt.get() != 0 ? lastAt.get() : started;
                if (System.nanoTime() - last > TimeUnit.SECONDS.toNanos(10)) {
                    return;
                }
            }
        }

        double seconds() {
            return (lastAt.get() - firstAt.get()) / 1e9;
        }

        /** Events per second between the first and the last (the first one starts the clock). */
        double rate() {
            return received < 2 ? 0 : (received - 1) / Math.max(seconds(), 1e-9);
        }
    }

    private static Drain drain(Target target, int backlog, Consumer<String> progress) throws Exception {
        ServerConsumer first = new ServerConsumer(channel(target), new ConsumerConfig());
        first.start();
        first.subscribeStatus(DRAIN_GROUP, n -> { });
        SdkConsumers.stop(first); // the group's cursor now exists; the events below queue up for it
        long from = revision(target);

        int cycles = Math.max(1, backlog / 3); // connect + disconnect + tcpclean
        int clients = Math.min(cycles, Integer.getInteger("bench.drainClients", DRAIN_CLIENTS));
        AtomicInteger left = new AtomicInteger(cycles);
        MqttLoadGenerator.Counts counts;
        try (MqttLoadGenerator generator = new MqttLoadGenerator(1, 8)) {
            generator.start(new InetSocketAddress(target.host(), target.ports().mqtt()), clients,
                    slot -> left.getAndDecrement() > 0 ? new MqttLoadGenerator.Attempt(DRAIN_GROUP + "@@@tp-" + slot, false)
                            : null);
            if (!generator.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the backlog was not produced within 10 minutes");
            }
            counts = generator.counts();
            if (counts.errors() > 0) {
                throw new IllegalStateException(counts.errors() + " device errors while producing the backlog, first: "
                        + generator.firstError());
            }
        }
        // Not 3 per cycle: a slot's next connect may take over its previous connection before the broker has read
        // that one's DISCONNECT (then it ends with one tcpclean). The clients were new, so their versions add up.
        // The generator moves on when a connection is closed on its side; the broker may log the last tcpcleans a
        // moment later. Count once the sum stops growing.
        long events = versionSum(target, clients);
        for (long before = -1; events != before; ) {
            Thread.sleep(500);
            before = events;
            events = versionSum(target, clients);
        }
        progress.accept(String.format(java.util.Locale.ROOT, "backlog: %,d events from %d devices", events, clients));

        Rate amqp = new Rate(events);
        ServerConsumer consumer = new ServerConsumer(channel(target), new ConsumerConfig());
        consumer.start();
        consumer.subscribeStatus(DRAIN_GROUP, n -> amqp.hit());
        amqp.await();
        SdkConsumers.stop(consumer);
        progress.accept(String.format(java.util.Locale.ROOT, "drain by one ServerConsumer: %,d events in %.2f s, %,.0f/s",
                amqp.received, amqp.seconds(), amqp.rate()));

        Rate sse = new Rate(events);
        try (SseListener stream = sse(target, "group=" + DRAIN_GROUP + "&from=" + from, json -> sse.hit())) {
            sse.await();
        }
        progress.accept(String.format(java.util.Locale.ROOT, "drain by one SSE stream: %,d events in %.2f s, %,.0f/s",
                sse.received, sse.seconds(), sse.rate()));
        return new Drain(events, clients, amqp, sse);
    }

    // ---- connections ---------------------------------------------------------------------------

    private static ChannelConfig channel(Target t) {
        ChannelConfig c = new ChannelConfig();
        c.setDomain(t.host());
        c.setPort(t.ports().amqp());
        c.setInstanceId(t.instanceId());
        c.setAccessKey(t.key().id());
        c.setSecretKey(t.key().secret());
        return c;
    }

    private static SseListener sse(Target t, String query, Consumer<String> onData) throws IOException, InterruptedException {
        return new SseListener(t.host(), t.ports().http(), t.key().id(), t.key().secret(), query, onData);
    }

    /** The sum of the {@code version}s of the drain group's clients {@code tp-0 .. tp-(clients-1)}. */
    private static long versionSum(Target t, int clients) throws IOException, InterruptedException {
        long sum = 0;
        for (int from = 0; from < clients; from += 1000) { // at most 1000 IDs per batch query
            StringBuilder ids = new StringBuilder();
            for (int c = from; c < Math.min(clients, from + 1000); c++) {
                ids.append(c == from ? "" : ",").append('"').append(DRAIN_GROUP).append("@@@tp-").append(c).append('"');
            }
            Matcher m = VERSION.matcher(post(t, "/api/v1/clients/status", "{\"clientIds\":[" + ids + "]}"));
            while (m.find()) {
                sum += Long.parseLong(m.group(1));
            }
        }
        return sum;
    }

    /** The status log revision now: every event at or below it is already in the log. */
    private static long revision(Target t) throws IOException, InterruptedException {
        Matcher m = REVISION.matcher(post(t, "/api/v1/clients/status", "{\"clientIds\":[\"" + DRAIN_GROUP + "@@@tp-0\"]}"));
        if (!m.find()) {
            throw new IOException("no revision in the answer of POST /api/v1/clients/status");
        }
        return Long.parseLong(m.group(1));
    }

    private static String post(Target t, String path, String json) throws IOException, InterruptedException {
        String auth = Base64.getEncoder().encodeToString((t.key().id() + ":" + t.key().secret())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + t.host() + ":" + t.ports().http() + path))
                .header("Authorization", "Basic " + auth).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
