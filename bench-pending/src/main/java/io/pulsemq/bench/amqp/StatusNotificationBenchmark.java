package io.pulsemq.bench.amqp;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.model.StatusType;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthConfig;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ClientIdsConfig;
import io.pulsemq.broker.config.ListenersConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.config.StatusLogConfig;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Server SDK notification benchmark (issue 4), with the published ApsaraMQ SDK as the consumer and HiveMQ
 * MQTT clients as devices, against an in-process broker on loopback (ports 0).
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
 * Arguments (all optional): {@code rate=1000 seconds=10 backlog=30000}. Both measurements run in one JVM
 * on one machine, so clocks agree; broker, devices and SDK share the CPU, so numbers are lower bounds.
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
        int rate = Integer.parseInt(opts.getOrDefault("rate", "1000"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
        int backlog = Integer.parseInt(opts.getOrDefault("backlog", "30000"));

        MqttConfig mqtt = new MqttConfig(1024 * 1024, 100, 100, 1000, 16, Duration.ofDays(7), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
        BrokerConfig config = new BrokerConfig("pulsemq-bench", "node-1", Files.createTempDirectory("pulsemq-bench-"),
                ListenersConfig.loopbackEphemeral(), new AuthConfig(AuthConfig.AnonymousPolicy.LOOPBACK), List.of(KEY),
                mqtt, new ClientIdsConfig(false), new StatusLogConfig(Duration.ofDays(1)));
        try (Broker broker = Broker.start(config)) {
            latency(broker, rate, seconds);
            throughput(broker, backlog);
        }
        System.exit(0); // the SDK leaves non-daemon threads behind
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

    private static void latency(Broker broker, int rate, int seconds) throws Exception {
        int total = rate * seconds;
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
        System.out.printf("latency CONNACK -> StatusListener at %d connects/s for %ds: n=%d%s p50=%.2f ms p99=%.2f ms max=%.2f ms (negative: the notice came before the device saw CONNACK)%n",
                rate, seconds, micros.length, complete ? "" : " (INCOMPLETE)", pct(micros, 50) / 1000.0,
                pct(micros, 99) / 1000.0, micros.length == 0 ? 0 : micros[micros.length - 1] / 1000.0);
        consumer.stop();
        synchronized (devices) {
            devices.forEach(d -> d.disconnect());
        }
    }

    private static void throughput(Broker broker, int backlog) throws Exception {
        String group = GROUP + "_tp";
        ServerConsumer first = new ServerConsumer(channel(broker), new ConsumerConfig());
        first.start();
        first.subscribeStatus(group, n -> { });
        first.stop(); // the group's cursor now exists; events below queue up for it

        long startOffset = broker.statusLog().lastOffset();
        int connections = backlog / 3; // connect + disconnect + tcpclean
        int clients = Math.min(connections, 200);
        List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            Mqtt3AsyncClient d = device(broker, group + "@@@tp-" + c);
            int rounds = connections / clients;
            java.util.concurrent.CompletableFuture<Void> chain = java.util.concurrent.CompletableFuture.completedFuture(null);
            for (int r = 0; r < rounds; r++) {
                chain = chain.thenCompose(x -> d.connect()).thenCompose(ack -> d.disconnect());
            }
            running.add(chain);
        }
        running.forEach(java.util.concurrent.CompletableFuture::join);
        long events = broker.statusLog().lastOffset() - startOffset;

        AtomicLong firstAt = new AtomicLong();
        AtomicLong lastAt = new AtomicLong();
        AtomicLong received = new AtomicLong();
        CountDownLatch drained = new CountDownLatch(1);
        ServerConsumer consumer = new ServerConsumer(channel(broker), new ConsumerConfig());
        consumer.start();
        consumer.subscribeStatus(group, n -> {
            long now = System.nanoTime();
            firstAt.compareAndSet(0, now);
            lastAt.set(now);
            if (received.incrementAndGet() == events) {
                drained.countDown();
            }
        });
        boolean complete = drained.await(10, TimeUnit.MINUTES);
        double secs = (lastAt.get() - firstAt.get()) / 1e9;
        System.out.printf("highest sustained rate to one group (drain of %d events, %d clients): %.0f events/s%s%n",
                events, Math.min(connections, 200), received.get() / Math.max(secs, 1e-9), complete ? "" : " (INCOMPLETE)");
        consumer.stop();
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

}
