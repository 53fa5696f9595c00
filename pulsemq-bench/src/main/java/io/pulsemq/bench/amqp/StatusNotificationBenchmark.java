package io.pulsemq.bench.amqp;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.model.StatusType;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.sun.management.UnixOperatingSystemMXBean;
import io.pulsemq.bench.LatencyStats;
import io.pulsemq.bench.Results;
import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part 4 of {@code ./pulsemq bench}: server SDK status notifications, with the published ApsaraMQ SDK as the
 * consumer and HiveMQ MQTT clients as devices, against a broker <b>in this JVM</b> on loopback (ports 0).
 *
 * <ol>
 *   <li><b>Latency at a fixed rate</b>: devices connect at {@code rate} connects per second for
 *       {@code seconds}; for each, the time from the device receiving CONNACK to the SDK's
 *       {@code StatusListener} receiving its ONLINE notice. Reports p50, p99, max.</li>
 *   <li><b>Highest sustained rate to one group</b>: {@code backlog} status events are produced while the
 *       group's consumer is stopped; a new consumer then drains them; reports events per second from the
 *       first to the last notice (the endpoint's delivery rate, SDK included, with no producer in the way).</li>
 * </ol>
 *
 * Both measurements run in one JVM on one machine, so clocks agree; broker, devices and SDK share the CPU, so
 * numbers are lower bounds. {@link #main} runs it on its own: {@code rate=1000 seconds=5 backlog=30000}.
 */
public final class StatusNotificationBenchmark {

    private static final AccessKey KEY = new AccessKey("AK_BENCH", "bench-secret", AccessKey.Role.ADMIN, List.of("*"));
    private static final String GROUP = "GID_bench";

    private StatusNotificationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new ConcurrentHashMap<>();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            opts.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        Results.StatusNotifications r = run(Files.createTempDirectory("pulsemq-bench-"),
                Integer.parseInt(opts.getOrDefault("rate", "1000")),
                Integer.parseInt(opts.getOrDefault("seconds", "5")),
                Integer.parseInt(opts.getOrDefault("backlog", "30000")));
        System.out.println(r);
        System.exit(0); // the SDK leaves non-daemon threads behind
    }

    /**
     * Runs both measurements against a fresh broker with its data in {@code dataDir}. The SDK leaves non-daemon
     * threads behind: the caller ends the JVM with {@link System#exit}.
     */
    public static Results.StatusNotifications run(Path dataDir, int rate, int seconds, int backlog) throws Exception {
        MqttConfig mqtt = new MqttConfig(1024 * 1024, 100, 100, 1000, 16, Duration.ofDays(7), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
        BrokerConfig config = new BrokerConfig("pulsemq-bench", "node-1", dataDir,
                ListenersConfig.loopbackEphemeral(), new AuthConfig(AuthConfig.AnonymousPolicy.LOOPBACK), List.of(KEY),
                mqtt, new ClientIdsConfig(false), new StatusLogConfig(Duration.ofDays(1)));
        try (Broker broker = Broker.start(config)) {
            Latency l = latency(broker, rate, seconds);
            Drain d = throughput(broker, backlog);
            return new Results.StatusNotifications(rate, seconds, l.devices, l.stats, l.complete, d.events, d.clients,
                    d.received, d.seconds, d.received / Math.max(d.seconds, 1e-9), d.complete);
        }
    }

    private record Latency(int devices, LatencyStats stats, boolean complete) {
    }

    private record Drain(long events, int clients, long received, double seconds, boolean complete) {
    }

    private static ChannelConfig channel(Broker broker) {
        ChannelConfig c = new ChannelConfig();
        c.setDomain("127.0.0.1");
        c.setPort(broker.ports().amqp());
        c.setInstanceId(broker.config().instanceId());
        c.setAccessKey(KEY.id());
        c.setSecretKey(KEY.secret());
        return c;
    }

    private static Mqtt3AsyncClient device(Broker broker, String id) {
        return MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.ports().mqtt()).buildAsync();
    }

    private static Latency latency(Broker broker, int rate, int seconds) throws Exception {
        int total = rate * seconds;
        checkFileDescriptors(total);
        Map<String, Long> connackAt = new ConcurrentHashMap<>();
        Map<String, Long> noticeAt = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(total);
        ServerConsumer consumer = new ServerConsumer(channel(broker), new ConsumerConfig());
        consumer.start();
        consumer.subscribeStatus(GROUP, n -> {
            if (n.getStatusType() == StatusType.ONLINE && n.getClientId().startsWith(GROUP + "@@@lat-")
                    && noticeAt.putIfAbsent(n.getClientId(), System.nanoTime()) == null) {
                all.countDown();
            }
        });
        List<Mqtt3AsyncClient> devices = new ArrayList<>(total);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger next = new AtomicInteger();
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        pacer.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= total) {
                return;
            }
            String id = GROUP + "@@@lat-" + i;
            Mqtt3AsyncClient d = device(broker, id);
            synchronized (devices) {
                devices.add(d);
            }
            d.connect().thenRun(() -> connackAt.put(id, System.nanoTime()));
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        boolean complete = all.await(seconds + 60L, TimeUnit.SECONDS);
        pacer.shutdownNow();
        long[] micros = connackAt.entrySet().stream()
                .filter(e -> noticeAt.containsKey(e.getKey()))
                .mapToLong(e -> (noticeAt.get(e.getKey()) - e.getValue()) / 1000) // negative: notice before the device saw CONNACK
                .sorted().toArray();
        consumer.stop();
        List<CompletableFuture<Void>> gone;
        synchronized (devices) {
            gone = devices.stream().map(d -> d.disconnect().exceptionally(e -> null)).toList();
        }
        CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return new Latency(total, LatencyStats.ofSortedMicros(micros), complete);
    }

    /** Broker and devices share this JVM: every connected device holds two descriptors (client and broker side). */
    private static void checkFileDescriptors(int devices) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long needed = 2L * devices + 1_000;
            if (needed > os.getMaxFileDescriptorCount()) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%,d devices stay connected in this JVM and "
                        + "need about %,d file descriptors, but the limit is %,d: lower --amqp-seconds or raise "
                        + "'ulimit -n'", devices, needed, os.getMaxFileDescriptorCount()));
            }
        }
    }

    private static Drain throughput(Broker broker, int backlog) throws Exception {
        String group = GROUP + "_tp";
        ServerConsumer first = new ServerConsumer(channel(broker), new ConsumerConfig());
        first.start();
        first.subscribeStatus(group, n -> { });
        first.stop(); // the group's cursor now exists; events below queue up for it

        long startOffset = broker.statusLog().lastOffset();
        int connections = backlog / 3; // connect + disconnect + tcpclean
        int clients = Math.min(connections, 200);
        List<CompletableFuture<Void>> running = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            Mqtt3AsyncClient d = device(broker, group + "@@@tp-" + c);
            int rounds = connections / clients;
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int r = 0; r < rounds; r++) {
                chain = chain.thenCompose(x -> d.connect()).thenCompose(ack -> d.disconnect());
            }
            running.add(chain);
        }
        running.forEach(CompletableFuture::join);
        long events = broker.statusLog().lastOffset() - startOffset;

        AtomicLong firstAt = new AtomicLong();
        AtomicLong lastAt = new AtomicLong();
        AtomicLong received = new AtomicLong();
        CountDownLatch drained = new CountDownLatch(1);
        ServerConsumer consumer = new ServerConsumer(channel(broker), new ConsumerConfig());
        long startedAt = System.nanoTime();
        consumer.start();
        consumer.subscribeStatus(group, n -> {
            long now = System.nanoTime();
            firstAt.compareAndSet(0, now);
            lastAt.set(now);
            if (received.incrementAndGet() == events) {
                drained.countDown();
            }
        });
        // Done when all arrived, or 10 s without a notice (a straggler event outside the group), or 10 minutes.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        boolean complete = events == 0;
        while (!complete && System.nanoTime() < deadline) {
            complete = drained.await(1, TimeUnit.SECONDS);
            long last = lastAt.get() != 0 ? lastAt.get() : startedAt;
            if (System.nanoTime() - last > TimeUnit.SECONDS.toNanos(10)) {
                break;
            }
        }
        double secs = (lastAt.get() - firstAt.get()) / 1e9;
        consumer.stop();
        return new Drain(events, clients, received.get(), secs, complete);
    }
}
