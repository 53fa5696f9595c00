package io.pulsemq.it;

import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.PortsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker as a child process, started the way the launcher starts it ({@code Main start --data-dir DIR}, same
 * class path as the tests), for what only a real process shows: a SIGKILL, a signal. Every listener is bound on
 * {@code 127.0.0.1} port 0 (the TLS ones only when the environment configures {@code tls.certFile}); the ports are
 * read from {@code ports.json}. Output (the broker's own logging, at INFO) goes to {@code child.log} in the data
 * directory. {@link #close()} kills the
 * process (SIGKILL, no shutdown hook).
 */
final class ChildBroker implements AutoCloseable {

    private static final List<String> LISTENERS = List.of("MQTT", "WS", "HTTP", "AMQP", "MQTTS", "WSS", "HTTPS", "AMQPS");

    private final Process process;
    private final Path dataDir;

    private ChildBroker(Process process, Path dataDir) {
        this.process = process;
        this.dataDir = dataDir;
    }

    /** Starts a broker on {@code dataDir} with these {@code PULSEMQ_*} variables besides the listeners'. */
    static ChildBroker start(Path dataDir, Map<String, String> environment) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the broker's own logging (INFO), not the tests' logback-test.xml, which is first on the class path
        ProcessBuilder pb = new ProcessBuilder(java, "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"),
                "io.pulsemq.broker.bootstrap.Main", "start", "--data-dir", dataDir.toString());
        Map<String, String> env = pb.environment();
        for (String listener : LISTENERS) {
            env.put("PULSEMQ_LISTENERS_" + listener + "_HOST", "127.0.0.1");
            env.put("PULSEMQ_LISTENERS_" + listener + "_PORT", "0");
        }
        env.putAll(environment);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dataDir.resolve("child.log").toFile());
        pb.directory(dataDir.toFile());
        return new ChildBroker(pb.start(), dataDir);
    }

    /** Waits until the broker has written {@code ports.json}, i.e. every listener is bound; answers the ports. */
    BoundPorts awaitPorts() throws IOException {
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(PortsFile.file(dataDir)) || !process.isAlive());
        assertThat(process.isAlive()).as("the broker runs (see %s)", log()).isTrue();
        return PortsFile.read(dataDir);
    }

    /** Sends {@code signal} ({@code HUP}, {@code TERM}, ...) to the process with {@code kill}. */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", signal).isTrue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the broker logged so far. */
    String log() throws IOException {
        return Files.readString(dataDir.resolve("child.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
