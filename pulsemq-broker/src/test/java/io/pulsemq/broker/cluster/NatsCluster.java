package io.pulsemq.broker.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real {@code nats-server} processes (the Debian package {@code .ci/run} installs) with JetStream, on free loopback
 * ports: one server, or a cluster of three whose JetStream is Raft-replicated, as production runs it. Each server
 * keeps its ports and its store directory for the fixture's life, so a server killed with {@link #kill} comes back
 * with {@link #restart} as the same cluster member.
 *
 * <p>Ports: the fixture asks the kernel for free ones (bind to port 0, note it, close) and hands them to the servers,
 * as the servers of a cluster must know each other's route ports before they start; a port taken in between fails
 * that start, which is tried again with new ports.
 */
public final class NatsCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final List<Server> servers = new ArrayList<>();

    private NatsCluster(Path dir) {
        this.dir = dir;
    }

    /** One JetStream server (a stream on it can only have one replica). */
    public static NatsCluster single() throws IOException, InterruptedException {
        return start(1);
    }

    /** Three JetStream servers routed to one another, with streams of up to three replicas. */
    public static NatsCluster threeNodes() throws IOException, InterruptedException {
        return start(3);
    }

    private static NatsCluster start(int size) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            NatsCluster cluster = new NatsCluster(Files.createTempDirectory("pulsemq-nats-"));
            try {
                cluster.launch(size);
                return cluster;
            } catch (IOException e) {
                cluster.close();
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void launch(int size) throws IOException, InterruptedException {
        int[] clientPorts = freePorts(size);
        int[] routePorts = size > 1 ? freePorts(size) : new int[0];
        for (int i = 0; i < size; i++) {
            servers.add(new Server(this, "n" + (i + 1), clientPorts[i], i, routePorts));
        }
        for (Server s : servers) {
            s.start();
        }
        for (Server s : servers) {
            s.awaitListening();
        }
    }

    /** The client URLs of every server, for a connection that fails over between them. */
    public List<String> urls() {
        return servers.stream().map(Server::url).collect(Collectors.toList());
    }

    /** The servers, in order. */
    public List<Server> servers() {
        return servers;
    }

    /** Kills server {@code i} with SIGKILL, as a crash would; its store stays. */
    public void kill(int i) throws InterruptedException {
        servers.get(i).kill();
    }

    /** Starts server {@code i} again on its ports and its store, and waits until it listens. */
    public void restart(int i) throws IOException, InterruptedException {
        Server s = servers.get(i);
        s.start();
        s.awaitListening();
    }

    @Override
    public void close() {
        for (Server s : servers) {
            try {
                s.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the OS cleans up what is left
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    /** One {@code nats-server} process of the cluster. */
    public static final class Server {
        private final NatsCluster cluster;
        private final String name;
        private final int clientPort;
        private final int index;
        private final int[] routePorts;
        private Process process;

        Server(NatsCluster cluster, String name, int clientPort, int index, int[] routePorts) {
            this.cluster = cluster;
            this.name = name;
            this.clientPort = clientPort;
            this.index = index;
            this.routePorts = routePorts;
        }

        /** {@code nats://127.0.0.1:<port>}. */
        public String url() {
            return "nats://127.0.0.1:" + clientPort;
        }

        /** The server's name in the cluster ({@code n1}, {@code n2}, ...). */
        public String name() {
            return name;
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        private void start() throws IOException {
            Path home = cluster.dir.resolve(name);
            Files.createDirectories(home.resolve("jetstream"));
            StringBuilder conf = new StringBuilder()
                    .append("server_name: ").append(name).append('\n')
                    .append("listen: 127.0.0.1:").append(clientPort).append('\n')
                    .append("jetstream {\n  store_dir: \"").append(home.resolve("jetstream")).append("\"\n}\n");
            if (routePorts.length > 0) {
                conf.append("cluster {\n  name: pulsemq-test\n  listen: 127.0.0.1:").append(routePorts[index])
                        .append("\n  routes: [\n");
                for (int i = 0; i < routePorts.length; i++) {
                    if (i != index) {
                        conf.append("    nats-route://127.0.0.1:").append(routePorts[i]).append('\n');
                    }
                }
                conf.append("  ]\n}\n");
            }
            Path file = home.resolve("nats.conf");
            Files.writeString(file, conf);
            process = new ProcessBuilder("nats-server", "-c", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("nats.log").toFile()))
                    .start();
            Process started = process;
            // a test JVM that ends without closing the fixture must not leave servers behind
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        }

        /** Waits until the client port accepts connections; fails if the process ends first. */
        private void awaitListening() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("nats-server " + name + " ended at start (exit " + process.exitValue()
                            + "): " + tail());
                }
                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), clientPort)) {
                    return;
                } catch (IOException notYet) {
                    process.waitFor(20, TimeUnit.MILLISECONDS);
                }
            }
            throw new IOException("nats-server " + name + " did not listen within " + START_TIMEOUT + ": " + tail());
        }

        private void kill() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }

        /** The end of the server's log, for failure messages. */
        public String tail() {
            try {
                List<String> lines = Files.readAllLines(cluster.dir.resolve(name).resolve("nats.log"));
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
