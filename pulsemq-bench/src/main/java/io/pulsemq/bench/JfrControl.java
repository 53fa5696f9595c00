package io.pulsemq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A JFR recording of one phase of a running JVM, started and stopped with {@code jcmd} of the bench's JDK: the
 * cluster part profiles its nodes during one workload only, where the other parts profile a broker's whole run.
 */
final class JfrControl {

    private JfrControl() {
    }

    /** Starts recording {@code name} in {@code pid} with JFR's {@code profile} settings. */
    static void start(long pid, String name) throws IOException, InterruptedException {
        run(pid, "JFR.start", "name=" + name, "settings=profile");
    }

    /** Stops recording {@code name} in {@code pid} and writes it to {@code file}. */
    static void stop(long pid, String name, Path file) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        run(pid, "JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
        if (!Files.exists(file)) {
            throw new IOException("jcmd JFR.stop wrote no " + file);
        }
    }

    private static void run(long pid, String... command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new IOException("no jcmd in " + jcmd.getParent());
        }
        String[] args = new String[command.length + 2];
        args[0] = jcmd.toString();
        args[1] = Long.toString(pid);
        System.arraycopy(command, 0, args, 2, command.length);
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + command[0] + " took more than 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("jcmd " + String.join(" ", command) + " failed: " + out.strip());
        }
    }
}
