package io.pulsemq.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Facts about the machine a run measured on, and CPU accounting of processes (Linux {@code /proc}).
 *
 * @param cpuModel  the CPU model name
 * @param cores     available processors
 * @param memoryGiB total memory
 * @param kernel    OS name and version
 * @param java      the bench JVM's version (PulseMQ runs on the same java)
 * @param fileSystem the file system of the PulseMQ data directory (fsync goes there)
 */
public record MachineInfo(String cpuModel, int cores, double memoryGiB, String kernel, String java, String fileSystem) {

    static MachineInfo collect(Path dataDir) {
        String cpu = firstValue(Path.of("/proc/cpuinfo"), "model name");
        String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        double gib = 0;
        if (mem != null) {
            gib = Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
        }
        String fs = "unknown";
        try {
            var store = Files.getFileStore(dataDir);
            fs = store.type() + " (" + store.name() + ")";
        } catch (IOException e) {
            // keep "unknown"
        }
        return new MachineInfo(cpu == null ? "unknown" : cpu, Runtime.getRuntime().availableProcessors(),
                Math.round(gib * 10) / 10.0,
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + Runtime.version(), fs);
    }

    /** The 1, 5 and 15 minute load averages, as {@code uptime} shows them. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The 1 minute load average, or NaN. */
    static double loadAverage1m() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds (user + system) a process has used so far, or NaN if unknown. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * The whole machine's CPU time so far from {@code /proc/stat}, in seconds: {user (with nice), kernel (system,
     * irq and softirq: the softirq share holds most of the loopback TCP work, charged to no process), idle (with
     * iowait), steal}; null if unknown.
     */
    static double[] machineCpuSeconds() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long user = Long.parseLong(f[1]) + Long.parseLong(f[2]);
            long kernel = Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            return new double[] {user / 100.0, kernel / 100.0, idle / 100.0, steal / 100.0};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Resident memory of a process now, in KiB ({@code VmRSS}), or -1 if unknown. */
    static long rssKiB(long pid) {
        return statusKiB(pid, "VmRSS");
    }

    /** The highest resident memory of a process so far, in KiB ({@code VmHWM}), or -1 if unknown. */
    static long peakRssKiB(long pid) {
        return statusKiB(pid, "VmHWM");
    }

    /** Open file descriptors this JVM may have at most (its {@code ulimit -n}), or -1 if unknown. */
    static long maxFileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    private static long statusKiB(long pid, String key) {
        String v = firstValue(Path.of("/proc", Long.toString(pid), "status"), key + ":");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.replaceAll("[^0-9]", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String l : lines) {
                if (l.startsWith(key)) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    String summary() {
        return String.format(Locale.ROOT, "%d cores (%s), %.1f GiB RAM, %s, %s, data on %s", cores, cpuModel,
                memoryGiB, kernel, java, fileSystem);
    }
}
