package io.pulsemq.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three {@code nats-server} processes with JetStream, routed to one another as one cluster (so a stream can have
 * three Raft replicas, as production runs it), each on free loopback ports with its own store directory under the
 * part's working directory. The cluster part's PulseMQ nodes share their status log through them. Started by
 * {@link #start}, which returns once every server reports JetStream healthy; stopped (SIGTERM) by {@link #close()}.
 */
final class NatsServers implements AutoCloseable {

    /** Debian's package; what {@code .ci/run} installs for the cluster tests. */
    static final String INSTALL_HINT = "apt-get install -y nats-server";
    static final int SIZE = 3;
    private static final long START_TIMEOUT_MS = 60_000;

    private final List<ManagedProcess> processes = new ArrayList<>();
    private final List<String> urls = new ArrayList<>();

    private NatsServers() {
    }

    /** {@code nats-server} on the PATH or in /usr/sbin (Debian installs it there), or null. */
    static Path find() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server"))) {
                return Path.of(dir, "nats-server");
            }
        }
        return null;
    }

    /** {@code nats-server --version}, e.g. {@code nats-server: v2.9.10}. */
    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "nats-server (version unknown: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "nats-server (version unknown)";
        }
    }

    /** Launches tried before giving up: the free ports picked may be taken before a server binds them. */
    private static final int START_ATTEMPTS = 3;

    /**
     * Starts the three servers in {@code workDir}/attempt-N/n1..n3 and waits until JetStream is healthy on each;
     * tries again on new ports if one was taken meanwhile.
     */
    static NatsServers start(Path binary, Path workDir) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            NatsServers s = new NatsServers();
            try {
                s.launch(binary, Files.createDirectories(workDir.resolve("attempt-" + attempt)));
                return s;
            } catch (IOException e) {
                s.close(); // a free port taken by another process before the server bound it: new ports
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
            } catch (InterruptedException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    private void launch(Path binary, Path workDir) throws IOException, InterruptedException {
        int[] client = new int[SIZE];
        int[] route = new int[SIZE];
        int[] monitor = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            client[i] = ManagedProcess.freePort();
            route[i] = ManagedProcess.freePort();
            monitor[i] = ManagedProcess.freePort();
        }
        for (int i = 0; i < SIZE; i++) {
            String name = "n" + (i + 1);
            Path home = Files.createDirectories(workDir.resolve(name));
            Path conf = home.resolve("nats.conf");
            Files.writeString(conf, config(name, client[i], monitor[i], route, i, home.resolve("jetstream")));
            processes.add(new ManagedProcess("nats-server " + name, List.of(binary.toString(), "-c", conf.toString()),
                    Map.of(), home, home.resolve("nats.log")));
            urls.add("nats://127.0.0.1:" + client[i]);
        }
        for (int i = 0; i < SIZE; i++) {
            processes.get(i).awaitPort(client[i], START_TIMEOUT_MS);
        }
        for (int i = 0; i < SIZE; i++) {
            awaitHealthy(processes.get(i), monitor[i]);
        }
    }

    /** One server's configuration: JetStream in {@code store}, routes to the other two. */
    static String config(String name, int clientPort, int monitorPort, int[] routePorts, int index, Path store) {
        StringBuilder conf = new StringBuilder()
                .append("server_name: ").append(name).append('\n')
                .append("listen: 127.0.0.1:").append(clientPort).append('\n')
                .append("http: 127.0.0.1:").append(monitorPort).append('\n')
                .append("jetstream {\n  store_dir: \"").append(store).append("\"\n}\n")
                .append("cluster {\n  name: pulsemq-bench\n  listen: 127.0.0.1:").append(routePorts[index])
                .append("\n  routes: [\n");
        for (int i = 0; i < routePorts.length; i++) {
            if (i != index) {
                conf.append("    nats-route://127.0.0.1:").append(routePorts[i]).append('\n');
            }
        }
        return conf.append("  ]\n}\n").toString();
    }

    /** Waits until the server's {@code /healthz} answers 200: JetStream is up and has joined its meta group. */
    private static void awaitHealthy(ManagedProcess p, int monitorPort) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + "/healthz"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        String last = "no answer";
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(healthz, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body().strip();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            if (!p.alive()) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IOException(p.name() + " not healthy within " + START_TIMEOUT_MS / 1000 + " s (" + last + "); see "
                + p.log() + ":\n" + PulseMqProcess.tail(p.log()));
    }

    /** The client URLs, in server order. */
    List<String> urls() {
        return List.copyOf(urls);
    }

    /**
     * The value of {@code cluster.nats.servers} for node {@code node} (0-based): every server, starting with a
     * different one per node, so the nodes' connections are spread over the servers.
     */
    String serversFor(int node) {
        return rotated(urls, node);
    }

    /** {@code urls} as a comma list, starting at {@code first} and wrapping around. */
    static String rotated(List<String> urls, int first) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            out.add(urls.get(Math.floorMod(first + i, urls.size())));
        }
        return String.join(",", out);
    }

    /** The server processes' ids, for CPU accounting. */
    List<Long> pids() {
        return processes.stream().map(ManagedProcess::pid).toList();
    }

    @Override
    public void close() {
        for (ManagedProcess p : processes) {
            p.close();
        }
    }
}
