package io.pulsemq.bench.amqp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@link PacedDevices} in a JVM of their own, driven over its standard input and output. Part 4 measures from a
 * device reading its CONNACK to a backend consumer receiving the notice; with thousands of device connections
 * in the consumer's JVM, that JVM's collector copies their state and its pauses (tens of milliseconds on a
 * busy 2-core machine) land in the consumer's timestamps, which a real backend, with no devices in it, does
 * not see. In their own JVM (ZGC: its pauses stay well under a millisecond, so the CONNACK times are not
 * shifted either) the devices disturb neither.
 *
 * <p>Both JVMs read the same clock: {@link System#nanoTime()} is {@code CLOCK_MONOTONIC} on Linux, one clock
 * for every process on the machine.
 *
 * <p>Protocol, one line each: {@code connect PREFIX COUNT RATE TIMEOUT} is answered by {@code error TEXT}
 * (optional) and {@code done OK T0 T1 ...} (the CONNACK times); {@code disconnect} by {@code disconnected}; end
 * of input ends the child.
 */
public final class ChildDevices implements Devices {

    /** JVM options of the device process. */
    public static final List<String> JVM_OPTIONS = List.of("-XX:+UseZGC", "-Xmx1g");

    private final Process process;
    private final PrintWriter commands;
    private final BufferedReader answers;
    private String firstError;

    private ChildDevices(Process process) {
        this.process = process;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Starts the device process (same java and class path as this JVM) for the broker at {@code mqtt}. */
    static ChildDevices start(InetSocketAddress mqtt) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DeviceProcess.class.getName(),
                mqtt.getHostString(), Integer.toString(mqtt.getPort())));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ChildDevices(p);
    }

    @Override
    public boolean connect(String idPrefix, int count, int rate, AtomicLongArray connackAt, long timeoutSeconds) {
        commands.println("connect " + idPrefix + " " + count + " " + rate + " " + timeoutSeconds);
        for (String line = read(); ; line = read()) {
            if (line.startsWith("error ")) {
                firstError = line.substring(6);
            } else if (line.startsWith("done ")) {
                String[] parts = line.split(" ");
                for (int i = 0; i < count && i + 2 < parts.length; i++) {
                    connackAt.set(i, Long.parseLong(parts[i + 2]));
                }
                return parts[1].equals("1");
            } else {
                throw new IllegalStateException("device process: unexpected answer '" + line + "'");
            }
        }
    }

    @Override
    public String firstError() {
        return firstError;
    }

    @Override
    public void disconnectAll() {
        commands.println("disconnect");
        String line = read();
        if (!line.equals("disconnected")) {
            throw new IllegalStateException("device process: unexpected answer '" + line + "'");
        }
    }

    @Override
    public void close() {
        commands.close(); // end of input: the child closes its devices and exits
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String read() {
        try {
            String line = answers.readLine();
            if (line == null) {
                throw new IllegalStateException("the device process ended (exit code "
                        + (process.isAlive() ? "?" : process.exitValue()) + ")");
            }
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The device process: {@code DeviceProcess HOST PORT}, commands on standard input. */
    static final class DeviceProcess {

        private DeviceProcess() {
        }

        public static void main(String[] args) throws Exception {
            InetSocketAddress broker = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.US_ASCII);
            try (PacedDevices devices = new PacedDevices(broker)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] c = line.split(" ");
                    if (c[0].equals("connect")) {
                        int count = Integer.parseInt(c[2]);
                        AtomicLongArray connackAt = new AtomicLongArray(count);
                        boolean ok = devices.connect(c[1], count, Integer.parseInt(c[3]), connackAt,
                                Long.parseLong(c[4]));
                        if (devices.firstError() != null) {
                            out.println("error " + devices.firstError().replace('\n', ' '));
                        }
                        StringBuilder done = new StringBuilder(count * 16).append("done ").append(ok ? 1 : 0);
                        for (int i = 0; i < count; i++) {
                            done.append(' ').append(connackAt.get(i));
                        }
                        out.println(done);
                    } else if (c[0].equals("disconnect")) {
                        devices.disconnectAll();
                        out.println("disconnected");
                    }
                    out.flush();
                }
            }
            System.exit(0);
        }
    }
}
