package io.pulsemq.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child process the bench started: stopped by {@link #close()} (SIGTERM, then SIGKILL after a grace period)
 * and, should the bench die first, by a shutdown hook. Its output goes to a log file.
 */
class ManagedProcess implements AutoCloseable {

    /**
     * Messages a broker keeps queued per client beyond its in-flight window, the same for all three brokers: what
     * a production user sets so that a QoS 1 subscriber behind a burst loses nothing (Mosquitto's and HiveMQ's
     * default is 1,000, PulseMQ's too).
     */
    static final int MAX_QUEUED_MESSAGES = 100_000;
    /** Unacknowledged QoS 1/2 messages a broker sends one client at a time (PulseMQ's default; Mosquitto's is 20). */
    static final int MAX_INFLIGHT = 100;

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread hook;

    ManagedProcess(String name, List<String> command, Map<String, String> env, Path workDir, Path log)
            throws IOException {
        this.name = name;
        this.log = log;
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        this.process = pb.start();
        this.hook = new Thread(this::stop, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    String name() {
        return name;
    }

    /** A port nobody listens on right now, on the loopback interface. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until this process accepts TCP connections on {@code port} of the loopback interface; closes it and
     * throws, with the tail of its log, if it exits or takes longer than {@code timeoutMs}.
     */
    void awaitPort(int port, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException notYet) {
                if (!alive() || System.currentTimeMillis() > deadline) {
                    close();
                    throw new IOException(name + " did not start on port " + port + "; see " + log + ":\n"
                            + PulseMqProcess.tail(log));
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Ends the process with SIGKILL, as a crash would (no shutdown hook of its own runs, nothing is flushed), and
     * waits until it is gone; answers whether it is. Its log stays.
     */
    boolean kill() throws InterruptedException {
        process.destroyForcibly();
        boolean gone = process.waitFor(10, TimeUnit.SECONDS);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook finds the process gone.
        }
        return gone;
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs stop() again, harmlessly.
        }
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                System.err.println("bench: " + name + " did not stop within 20 s of SIGTERM; killing it");
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
