package io.pulsemq.bench;

import io.pulsemq.broker.auth.Credentials;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.PortsFile;
import io.pulsemq.broker.config.AccessKey;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PulseMQ as a separate JVM, started from its built jar exactly as an operator would
 * ({@code java -jar pulsemq-broker-*-all.jar start --data-dir DIR}), every listener on 127.0.0.1 port 0; the
 * chosen ports come from {@code <data>/ports.json}, the admin key from {@code <data>/credentials.json}. Queue
 * limits as for the other brokers ({@link ManagedProcess#MAX_QUEUED_MESSAGES}).
 */
final class PulseMqProcess extends ManagedProcess {

    private static final long START_TIMEOUT_MS = 60_000;

    private final BoundPorts ports;
    private final AccessKey adminKey;
    private final Path dataDir;

    private PulseMqProcess(List<String> command, Map<String, String> env, Path workDir, Path dataDir)
            throws IOException, InterruptedException {
        super("pulsemq", command, env, workDir, workDir.resolve("pulsemq.log"));
        this.dataDir = dataDir;
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        BoundPorts p = null;
        while (p == null) {
            if (!alive()) {
                throw new IOException("PulseMQ exited during start; see " + log() + ":\n" + tail(log()));
            }
            if (System.currentTimeMillis() > deadline) {
                close();
                throw new IOException("PulseMQ did not write " + PortsFile.file(dataDir) + " within 60 s; see " + log());
            }
            try {
                p = PortsFile.read(dataDir);
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        ports = p;
        List<AccessKey> keys = Credentials.read(dataDir.resolve(Credentials.FILE_NAME));
        adminKey = keys.stream().filter(k -> k.role() == AccessKey.Role.ADMIN).findFirst().orElse(keys.get(0));
    }

    /**
     * Starts the broker in a fresh working directory under {@code workDir} (so no config/pulsemq.yaml is picked
     * up) and waits for its ports file.
     *
     * @param jvmOptions extra JVM options (e.g. a JFR recording)
     */
    static PulseMqProcess start(Path jar, Path workDir, List<String> jvmOptions) throws IOException, InterruptedException {
        return start(jar, workDir, jvmOptions, Map.of(), null);
    }

    /**
     * As {@link #start(Path, Path, List)}, with more configuration: {@code env} adds {@code PULSEMQ_*} overrides
     * (they win over the defaults set here), {@code configFile} (or null) is passed as {@code --config}.
     */
    static PulseMqProcess start(Path jar, Path workDir, List<String> jvmOptions, Map<String, String> extraEnv,
                                Path configFile) throws IOException, InterruptedException {
        Path dataDir = workDir.resolve("data");
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(launcherJvmOptions(System.getenv("PULSEMQ_JAVA_OPTS")));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "start", "--data-dir", dataDir.toString()));
        if (configFile != null) {
            cmd.addAll(List.of("--config", configFile.toAbsolutePath().toString()));
        }
        Map<String, String> env = new HashMap<>();
        for (String listener : List.of("MQTT", "WS", "HTTP", "AMQP")) {
            env.put("PULSEMQ_LISTENERS_" + listener + "_HOST", "127.0.0.1");
            env.put("PULSEMQ_LISTENERS_" + listener + "_PORT", "0");
        }
        env.put("PULSEMQ_LOG_LEVEL", "WARN");
        env.put("PULSEMQ_HTTP_PUBLICMETRICS", "true"); // the bench reads /metrics without a key
        env.put("PULSEMQ_MQTT_MAXINFLIGHT", Integer.toString(MAX_INFLIGHT));
        env.put("PULSEMQ_MQTT_MAXQUEUEDMESSAGES", Integer.toString(MAX_QUEUED_MESSAGES));
        env.put("PULSEMQ_MQTT_MAXQUEUEDBYTES", "0"); // the other brokers' queues are limited by count only
        // The parts measure capacity against Mosquitto and HiveMQ CE, which limit no rates by default: the connect
        // rate and per-connection publish rates would measure the limits instead (extraEnv may set them again).
        env.put("PULSEMQ_MQTT_CONNECTRATE", "0");
        env.put("PULSEMQ_MQTT_MAXPUBLISHRATE", "0");
        env.put("PULSEMQ_MQTT_MAXPUBLISHBYTESRATE", "0");
        env.putAll(extraEnv);
        return new PulseMqProcess(cmd, env, workDir, dataDir);
    }

    /**
     * The JVM options {@code ./pulsemq start} gives the broker: {@code PULSEMQ_JAVA_OPTS} split on whitespace (none
     * by default: the JVM's defaults, G1).
     */
    static List<String> launcherJvmOptions(String javaOpts) {
        return javaOpts == null || javaOpts.isBlank() ? List.of() : List.of(javaOpts.trim().split("\\s+"));
    }

    /** The broker jar: {@code given}, or the one {@code mvn package} builds under {@code pulsemq-broker/target}. */
    static Path findJar(Path given) throws IOException {
        if (given != null) {
            if (!Files.isRegularFile(given)) {
                throw new IOException("no broker jar at " + given);
            }
            return given;
        }
        Path target = Path.of("pulsemq-broker", "target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "pulsemq-broker-*-all.jar")) {
                for (Path p : ds) {
                    return p;
                }
            }
        }
        throw new IOException("no pulsemq-broker/target/pulsemq-broker-*-all.jar; build it with "
                + "'mvn -B -DskipTests -pl pulsemq-broker -am package' or pass --broker-jar (./pulsemq bench builds it)");
    }

    BoundPorts ports() {
        return ports;
    }

    AccessKey adminKey() {
        return adminKey;
    }

    Path dataDir() {
        return dataDir;
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ")";
        }
    }
}
