package io.pulsemq.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench starts PulseMQ with the JVM options {@code ./pulsemq start} would give it. */
class PulseMqProcessTest {

    @Test
    void noOptions_meansTheJvmDefaults() {
        assertThat(PulseMqProcess.launcherJvmOptions(null)).isEmpty();
        assertThat(PulseMqProcess.launcherJvmOptions("  ")).isEmpty();
    }

    @Test
    void javaOpts_areSplitOnWhitespace_likeTheLauncherDoes() {
        assertThat(PulseMqProcess.launcherJvmOptions(" -Xmx1g  -XX:+UseZGC\t-Dx=y "))
                .containsExactly("-Xmx1g", "-XX:+UseZGC", "-Dx=y");
    }
}
