package io.pulsemq.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench starts PulseMQ with the JVM options {@code ./pulsemq start} would give it. */
class PulseMqProcessTest {

    @Test
    void zgcIsTheDefaultCollector() {
        assertThat(PulseMqProcess.launcherJvmOptions(null)).containsExactly("-XX:+UseZGC");
        assertThat(PulseMqProcess.launcherJvmOptions("  ")).containsExactly("-XX:+UseZGC");
    }

    @Test
    void otherOptionsKeepTheDefaultCollector() {
        assertThat(PulseMqProcess.launcherJvmOptions("-Xmx1g  -XX:+UseStringDeduplication"))
                .containsExactly("-XX:+UseZGC", "-Xmx1g", "-XX:+UseStringDeduplication");
    }

    @Test
    void aChosenCollectorReplacesTheDefault() {
        assertThat(PulseMqProcess.launcherJvmOptions("-Xmx1g -XX:+UseG1GC")).containsExactly("-Xmx1g", "-XX:+UseG1GC");
        assertThat(PulseMqProcess.launcherJvmOptions("-XX:+UseParallelGC")).containsExactly("-XX:+UseParallelGC");
    }
}
