package io.pulsemq.bench;

import io.pulsemq.bench.jmh.PresenceRegistryBenchmark;
import io.pulsemq.bench.jmh.StatusEventJsonBenchmark;
import io.pulsemq.bench.jmh.StatusLogAppendBenchmark;
import io.pulsemq.bench.jmh.SubscriptionTrieBenchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Runs the JMH micro-benchmarks of {@link io.pulsemq.bench.jmh}. */
final class JmhRunner {

    private JmhRunner() {
    }

    /**
     * What a run gave.
     *
     * @param settings how it was run, for the report
     * @param results  one line per benchmark method
     */
    record Outcome(String settings, List<Results.Jmh> results) {
    }

    /** The three hot paths with settings short enough for the one-command run (1 fork, 1 thread). */
    static Outcome runAll(boolean quick) throws RunnerException {
        int warmups = quick ? 1 : 3;
        int iterations = quick ? 2 : 5;
        TimeValue time = quick ? TimeValue.milliseconds(300) : TimeValue.seconds(1);
        Options opts = new OptionsBuilder()
                .include(SubscriptionTrieBenchmark.class.getName() + ".*")
                .include(StatusEventJsonBenchmark.class.getName() + ".*")
                .include(PresenceRegistryBenchmark.class.getName() + ".*")
                .include(StatusLogAppendBenchmark.class.getName() + ".*")
                .forks(1)
                .threads(1)
                .warmupIterations(warmups)
                .warmupTime(time)
                .measurementIterations(iterations)
                .measurementTime(time)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> runs = new Runner(opts).run();
        List<Results.Jmh> out = new ArrayList<>();
        for (RunResult r : runs) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            out.add(new Results.Jmh(name, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(),
                    r.getPrimaryResult().getScoreUnit()));
        }
        String settings = String.format("JMH 1.37, average time, 1 fork, 1 thread, %d warm-up + %d measured "
                + "iterations of %s", warmups, iterations, time);
        return new Outcome(settings, out);
    }

    /** {@code ./pulsemq bench --jmh [JMH options]}: JMH's own command line over this jar's benchmarks. */
    static void cli(List<String> args) throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(new String[0]));
    }
}
