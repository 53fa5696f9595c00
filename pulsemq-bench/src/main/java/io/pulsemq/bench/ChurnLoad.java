package io.pulsemq.bench;

import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * One connection churn run (parts 1, 8 and 10): {@link BenchOptions#concurrency()} slots loop connect, CONNECT,
 * CONNACK, DISCONNECT, close over a pool of {@value #IDS_PER_SLOT} client IDs per slot, as fast as the broker
 * answers; a warm-up, then a measured interval. Slot {@code s} always connects to target {@code s % targets}, so
 * a client ID stays on one node of a cluster (no takeovers between nodes).
 */
final class ChurnLoad {

    /** Client IDs per churn slot: a fleet of devices that reconnect, not an ever-growing one. */
    static final int IDS_PER_SLOT = 50;
    private static final String PREFIX = "GID_bench@@@churn-";

    private final BenchOptions options;
    private final MqttLoadGenerator generator;
    private final Results results;
    private final Consumer<String> log;

    ChurnLoad(BenchOptions options, MqttLoadGenerator generator, Results results, Consumer<String> log) {
        this.options = options;
        this.generator = generator;
        this.results = results;
        this.log = log;
    }

    /**
     * Churns against {@code targets} (over TLS when {@code tls} is not null) after {@code warmup}.
     *
     * @param brokerPids the processes whose CPU is the broker's (every node of a cluster, and its NATS servers)
     */
    Results.Churn run(String broker, String version, List<InetSocketAddress> targets, SslContext tls,
                      Duration warmup, List<Long> brokerPids) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLongArray perSlot = new AtomicLongArray(options.concurrency());
        generator.start(targets, tls, options.concurrency(), slot -> {
            if (stop.get()) {
                return null;
            }
            long n = perSlot.getAndIncrement(slot);
            return new MqttLoadGenerator.Attempt(PREFIX + slot + "-" + (n % IDS_PER_SLOT), false);
        });
        TimeUnit.MILLISECONDS.sleep(warmup.toMillis());
        generator.resetInterval();
        results.sampleLoad();
        double brokerCpu0 = cpuSeconds(brokerPids);
        double selfCpu0 = MachineInfo.cpuSeconds(ProcessHandle.current().pid());
        double[] machine0 = MachineInfo.machineCpuSeconds();
        TimeUnit.MILLISECONDS.sleep(options.churnDuration().toMillis());
        MqttLoadGenerator.Interval iv = generator.interval();
        double[] machine1 = MachineInfo.machineCpuSeconds();
        double brokerCpu = (cpuSeconds(brokerPids) - brokerCpu0) / iv.seconds();
        double selfCpu = (MachineInfo.cpuSeconds(ProcessHandle.current().pid()) - selfCpu0) / iv.seconds();
        String load = MachineInfo.loadAverage();
        results.sampleLoad();
        stop.set(true);
        if (!generator.await(30, TimeUnit.SECONDS)) {
            results.notes.add(broker + ": some connections were still in flight 30 s after the churn stopped.");
        }
        LatencyStats lat = LatencyStats.ofNanos(iv.latencies());
        double connects = iv.connacksPerSecond() * iv.seconds();
        boolean machineKnown = machine0 != null && machine1 != null && connects > 0;
        Results.Churn c = new Results.Churn(broker, version, options.concurrency(), iv.seconds(),
                iv.connacksPerSecond(), iv.counts().cycles() / iv.seconds(), lat, iv.counts(), brokerCpu, selfCpu,
                machineKnown ? (machine1[0] - machine0[0]) / connects * 1e6 : Double.NaN,
                machineKnown ? (machine1[1] - machine0[1]) / connects * 1e6 : Double.NaN,
                machineKnown ? (machine1[2] - machine0[2]) / iv.seconds() : Double.NaN,
                load, generator.firstError());
        log.accept(String.format(Locale.ROOT, "  %s: %,.0f connects/s, CONNACK p50 %s p99 %s p99.9 %s, %d errors, "
                        + "broker CPU %.2f cores, generator %.2f cores; machine per connect: user %.0f µs, kernel "
                        + "%.0f µs, idle %.2f cores", broker, c.connectsPerSecond(),
                LatencyStats.format(lat.p50Us()), LatencyStats.format(lat.p99Us()), LatencyStats.format(lat.p999Us()),
                iv.counts().errors(), brokerCpu, selfCpu, c.machineUserMicrosPerConnect(),
                c.machineKernelMicrosPerConnect(), c.machineIdleCores()));
        return c;
    }

    /** CPU seconds of all {@code pids} together. */
    static double cpuSeconds(List<Long> pids) {
        double sum = 0;
        for (long pid : pids) {
            sum += MachineInfo.cpuSeconds(pid);
        }
        return sum;
    }
}
