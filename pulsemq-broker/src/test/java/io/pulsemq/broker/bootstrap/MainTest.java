package io.pulsemq.broker.bootstrap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line without starting a broker: help, version and every way to fail before the start. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void help_listsStartAndExitsZero() {
        int code = run(Map.of(), "--help");

        assertThat(code).isEqualTo(Main.EXIT_OK);
        assertThat(out()).contains("pulsemq").contains("start").contains("--version");
    }

    @Test
    void startHelp_listsOptions() {
        int code = run(Map.of(), "start", "--help");

        assertThat(code).isEqualTo(Main.EXIT_OK);
        assertThat(out()).contains("--config=FILE").contains("--data-dir=DIR");
    }

    @Test
    void version_printsProjectVersion() {
        int code = run(Map.of(), "--version");

        assertThat(code).isEqualTo(Main.EXIT_OK);
        assertThat(out()).startsWith("PulseMQ 0.").doesNotContain("${");
    }

    @Test
    void noCommand_isUsageError() {
        int code = run(Map.of());

        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("Missing command");
    }

    @Test
    void unknownOption_isUsageError() {
        int code = run(Map.of(), "start", "--conf", "x.yaml");

        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--conf");
    }

    @Test
    void start_missingConfigFile_exitsTwoWithMessageOnly() {
        Path missing = dir.resolve("missing.yaml");

        int code = run(Map.of(), "start", "--config", missing.toString(), "--data-dir", dir.toString());

        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).isEqualTo("pulsemq: configuration error: " + missing + ": configuration file not found"
                + System.lineSeparator());
    }

    @Test
    void start_typoInConfig_exitsTwoNamingKeyWithoutStackTrace() throws IOException {
        Path config = Files.writeString(dir.resolve("pulsemq.yaml"), "listeners:\n  htp: {port: 0}\n");

        int code = run(Map.of(), "start", "--config", config.toString(), "--data-dir", dir.toString());

        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("unknown configuration key 'listeners.htp'").contains(config.toString())
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(dir.resolve("credentials.json")).doesNotExist();
    }

    @Test
    void start_badEnvironmentValue_exitsTwoNamingVariable() {
        int code = run(Map.of("PULSEMQ_MQTT_CONNECTTIMEOUT", "soon"), "start", "--data-dir", dir.toString());

        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("'mqtt.connectTimeout'").contains("PULSEMQ_MQTT_CONNECTTIMEOUT");
    }

    private int run(Map<String, String> env, String... args) {
        return Main.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
