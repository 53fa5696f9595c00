package io.pulsemq.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hottest methods of a JFR recording: Java execution samples counted by their top frame, and by the first
 * PulseMQ frame on the stack (which of our code paths the time is spent under).
 */
final class JfrSummary {

    private JfrSummary() {
    }

    /**
     * One hot method.
     *
     * @param method  class and method name
     * @param samples execution samples
     * @param percent share of all samples
     */
    record Hot(String method, long samples, double percent) {
    }

    /**
     * The profile of one broker run.
     *
     * @param phase     which run
     * @param file      the recording
     * @param samples   Java execution samples in it
     * @param topFrames hottest methods by top frame
     * @param pulsemq   hottest PulseMQ methods (first io.pulsemq frame of each sample that has one)
     */
    record Profile(String phase, String file, long samples, List<Hot> topFrames, List<Hot> pulsemq) {
    }

    static Profile read(String phase, Path file, int top) throws IOException {
        Map<String, Long> byTop = new HashMap<>();
        Map<String, Long> byOurs = new HashMap<>();
        long total = 0;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no JFR recording at " + file);
        }
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                if (!"jdk.ExecutionSample".equals(e.getEventType().getName())) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                total++;
                byTop.merge(name(st.getFrames().get(0)), 1L, Long::sum);
                for (RecordedFrame f : st.getFrames()) {
                    if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("io.pulsemq.")) {
                        byOurs.merge(name(f), 1L, Long::sum);
                        break;
                    }
                }
            }
        }
        return new Profile(phase, file.toString(), total, hottest(byTop, total, top), hottest(byOurs, total, top));
    }

    private static String name(RecordedFrame f) {
        if (f.getMethod() == null) {
            return "(unknown)";
        }
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static List<Hot> hottest(Map<String, Long> counts, long total, int top) {
        List<Hot> out = new ArrayList<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(en -> out.add(new Hot(en.getKey(), en.getValue(), total == 0 ? 0 : 100.0 * en.getValue() / total)));
        return out;
    }
}
