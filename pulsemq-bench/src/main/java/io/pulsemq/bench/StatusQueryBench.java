package io.pulsemq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Status queries over the HTTP API (contract section 4) against clients registered beforehand:
 * <ul>
 *   <li>batch: {@code POST /api/v1/clients/status} with {@value #BATCH} IDs per request from several threads,
 *       each on its own keep-alive connection, closed loop (ids/s, request latency);</li>
 *   <li>single, fixed rate: {@code GET /api/v1/clients/{id}} issued on a fixed schedule by several threads, latency
 *       measured from the scheduled start (so a stall counts in full: no coordinated omission);</li>
 *   <li>single, max: the same request in a closed loop from several threads (sustained QPS).</li>
 * </ul>
 * Answers are checked: every response must be 200; a sample of batch answers is parsed and must list the
 * requested IDs in request order.
 */
final class StatusQueryBench {

    static final int BATCH = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Parse every n-th batch answer fully (parsing them all would load the shared CPUs more than the broker). */
    private static final int VERIFY_EVERY = 50;

    private final InetSocketAddress address;
    private final String authorization;
    private final List<String> clientIds;

    /**
     * @param httpPort  the broker's HTTP port on 127.0.0.1
     * @param keyId     access key ID (HTTP Basic user)
     * @param secret    access key secret
     * @param clientIds the registered client IDs to query
     */
    StatusQueryBench(int httpPort, String keyId, String secret, List<String> clientIds) {
        this.address = new InetSocketAddress("127.0.0.1", httpPort);
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((keyId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        this.clientIds = clientIds;
    }

    /**
     * Whether the broker serves the API: one batch of one ID must answer 200 with a {@code statuses} array.
     *
     * @return null if it does, else why not (e.g. "HTTP 404 on POST /api/v1/clients/status")
     */
    String probe() {
        try (BlockingHttpConnection c = new BlockingHttpConnection(address)) {
            int status = c.exchange(batchRequest(body(List.of(clientIds.get(0)))));
            String answer = new String(c.body(), 0, c.bodyLength(), StandardCharsets.UTF_8);
            if (status != 200) {
                return "HTTP " + status + " on POST /api/v1/clients/status: " + answer.strip();
            }
            JsonNode n = JSON.readTree(answer);
            if (!n.path("statuses").isArray()) {
                return "POST /api/v1/clients/status answered without a statuses array: " + n;
            }
            int single = c.exchange(singleRequest(clientIds.get(0)));
            if (single != 200) {
                return "HTTP " + single + " on GET /api/v1/clients/{id}";
            }
            return null;
        } catch (IOException e) {
            return "HTTP API unreachable: " + e;
        }
    }

    /**
     * How many of {@code ids} the broker answers online right now (batch lookups of up to {@value #BATCH} IDs).
     *
     * @throws IOException if a request fails or answers other than 200
     */
    long countOnline(List<String> ids) throws IOException {
        long online = 0;
        try (BlockingHttpConnection c = new BlockingHttpConnection(address)) {
            for (int from = 0; from < ids.size(); from += BATCH) {
                int status = c.exchange(batchRequest(body(ids.subList(from, Math.min(ids.size(), from + BATCH)))));
                if (status != 200) {
                    throw new IOException("HTTP " + status + " on POST /api/v1/clients/status");
                }
                for (JsonNode s : JSON.readTree(c.body(), 0, c.bodyLength()).path("statuses")) {
                    if (s.path("online").asBoolean()) {
                        online++;
                    }
                }
            }
        }
        return online;
    }

    /**
     * Result of a closed-loop phase.
     *
     * @param requests     successful requests in the measured time
     * @param errors       failed requests (non-200, I/O errors, wrong answers)
     * @param seconds      measured time
     * @param latency      request latency
     * @param onlineSeen   in the parsed sample: statuses with online=true
     * @param statusesSeen in the parsed sample: statuses checked
     */
    record Phase(long requests, long errors, double seconds, LatencyStats latency, long onlineSeen,
                 long statusesSeen, String firstError, long meanResponseBytes) {

        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /** Batch lookups, {@code connections} threads in a closed loop; warm-up then measure. */
    Phase batch(int connections, Duration warmup, Duration measure) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(42);
        List<byte[]> requests = new ArrayList<>();
        List<List<String>> batches = new ArrayList<>();
        for (int b = 0; b < 64; b++) {
            List<String> ids = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                ids.add(clientIds.get(random.nextInt(clientIds.size())));
            }
            batches.add(ids);
            requests.add(batchRequest(body(ids)));
        }
        LongAdder online = new LongAdder();
        LongAdder checked = new LongAdder();
        LongAdder bytes = new LongAdder();
        LongAdder answers = new LongAdder();
        Phase p = closedLoop(connections, warmup, measure, (http, worker, n) -> {
            int k = (int) ((n * 31 + worker * 7) & 63);
            int status = http.exchange(requests.get(k));
            if (status != 200) {
                return "HTTP " + status;
            }
            bytes.add(http.bodyLength());
            answers.increment();
            if (n % VERIFY_EVERY == 0) {
                JsonNode statuses = JSON.readTree(http.body(), 0, http.bodyLength()).path("statuses");
                List<String> expected = batches.get(k);
                if (statuses.size() != expected.size()) {
                    return "batch answer has " + statuses.size() + " statuses for " + expected.size() + " IDs";
                }
                for (int i = 0; i < statuses.size(); i++) {
                    JsonNode s = statuses.get(i);
                    if (!expected.get(i).equals(s.path("clientId").asText())) {
                        return "batch answer out of request order at " + i;
                    }
                    if (s.path("online").asBoolean()) {
                        online.increment();
                    }
                }
                checked.add(statuses.size());
            }
            return null;
        }, online, checked);
        long mean = answers.sum() == 0 ? 0 : bytes.sum() / answers.sum();
        return new Phase(p.requests(), p.errors(), p.seconds(), p.latency(), p.onlineSeen(), p.statusesSeen(),
                p.firstError(), mean);
    }

    /** Single lookups, {@code connections} threads in a closed loop; warm-up then measure. */
    Phase singleMax(int connections, Duration warmup, Duration measure) throws InterruptedException {
        return closedLoop(connections, warmup, measure, (http, worker, n) -> {
            String id = clientIds.get((int) Math.floorMod(n * 7919L + worker * 104_729L, clientIds.size()));
            int status = http.exchange(singleRequest(id));
            return status == 200 ? null : "HTTP " + status;
        }, new LongAdder(), new LongAdder());
    }

    /**
     * Single lookups at a fixed rate: request i is due at start + i/rate and its latency counts from then, so a
     * stall of the broker counts in full (no coordinated omission). {@code connections} worker threads, each on
     * its own keep-alive connection, take the due requests in turn; when all are busy, the next requests start
     * late and their latency includes the wait.
     */
    Phase singleFixedRate(int rate, int connections, Duration warmup, Duration measure) throws InterruptedException {
        Recorder recorder = new Recorder(60_000_000_000L, 3);
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        String[] firstError = new String[1];
        AtomicLong nextSlot = new AtomicLong();
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + 10_000_000L;
        long warmEnd = start + warmup.toNanos();
        long end = warmEnd + measure.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            Thread t = new Thread(() -> {
                try (BlockingHttpConnection http = new BlockingHttpConnection(address)) {
                    while (errors.sum() < 10_000) {
                        long i = nextSlot.getAndIncrement();
                        long due = start + (long) (i * periodNanos);
                        if (due >= end) {
                            return;
                        }
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        String id = clientIds.get((int) Math.floorMod(i * 7919L, clientIds.size()));
                        String problem;
                        try {
                            int status = http.exchange(singleRequest(id));
                            problem = status == 200 ? null : "HTTP " + status;
                        } catch (IOException | RuntimeException e) {
                            problem = e.toString();
                        }
                        if (due < warmEnd) {
                            continue;
                        }
                        if (problem == null) {
                            recorder.recordValue(Math.min(System.nanoTime() - due, 60_000_000_000L));
                            ok.increment();
                        } else {
                            errors.increment();
                            firstError(firstError, problem);
                        }
                    }
                }
            }, "bench-rate-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 15_000));
        }
        return new Phase(ok.sum(), errors.sum(), measure.toNanos() / 1e9, LatencyStats.ofNanos(recorder.getIntervalHistogram()),
                0, 0, firstError[0], 0);
    }

    private static void firstError(String[] holder, String problem) {
        synchronized (holder) {
            if (holder[0] == null) {
                holder[0] = problem;
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        /** Performs request {@code n} of {@code worker} on its connection; answers null if fine, else what was wrong. */
        String run(BlockingHttpConnection http, int worker, long n) throws IOException;
    }

    private Phase closedLoop(int workers, Duration warmup, Duration measure, Call call, LongAdder online,
                             LongAdder checked) throws InterruptedException {
        Recorder recorder = new Recorder(60_000_000_000L, 3);
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        String[] firstError = new String[1];
        long start = System.nanoTime();
        long warmEnd = start + warmup.toNanos();
        long end = warmEnd + measure.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Thread t = new Thread(() -> {
                try (BlockingHttpConnection http = new BlockingHttpConnection(address)) {
                    for (long n = 0; System.nanoTime() < end && errors.sum() < 10_000; n++) {
                        long t0 = System.nanoTime();
                        String problem;
                        try {
                            problem = call.run(http, worker, n);
                        } catch (IOException | RuntimeException e) {
                            problem = e.toString();
                        }
                        long t1 = System.nanoTime();
                        if (problem != null) {
                            errors.increment();
                            firstError(firstError, problem);
                        } else if (t1 < end) {
                            recorder.recordValue(Math.min(t1 - t0, 60_000_000_000L));
                            ok.increment();
                        }
                    }
                }
            }, "bench-query-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long sleep = warmEnd - System.nanoTime();
        if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
        }
        recorder.getIntervalHistogram();
        long okAtStart = ok.sum();
        long errAtStart = errors.sum();
        long onlineAtStart = online.sum();
        long checkedAtStart = checked.sum();
        long measuredFrom = System.nanoTime();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 15_000));
        }
        double seconds = (Math.min(System.nanoTime(), end) - measuredFrom) / 1e9;
        return new Phase(ok.sum() - okAtStart, errors.sum() - errAtStart, seconds,
                LatencyStats.ofNanos(recorder.getIntervalHistogram()), online.sum() - onlineAtStart,
                checked.sum() - checkedAtStart, firstError[0], 0);
    }

    private byte[] batchRequest(byte[] body) {
        return BlockingHttpConnection.request("POST", "/api/v1/clients/status", authorization, body);
    }

    private byte[] singleRequest(String clientId) {
        return BlockingHttpConnection.request("GET", "/api/v1/clients/"
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8).replace("%40", "@"), authorization, null);
    }

    private static byte[] body(List<String> ids) {
        try {
            return JSON.writeValueAsBytes(java.util.Map.of("clientIds", ids));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
