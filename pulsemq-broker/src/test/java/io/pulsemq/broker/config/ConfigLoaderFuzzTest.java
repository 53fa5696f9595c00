package io.pulsemq.broker.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: any bytes as the config file. What must hold: the loader either returns a configuration or throws
 * {@link ConfigException} (the one-line error {@code pulsemq start} prints); anything else (a parser's own
 * exception, a stack overflow on nesting, an out-of-range value slipping through) is a bug. A configuration it
 * returns loads again from the same file to an equal one. {@code mvn verify} replays the committed inputs under
 * {@code src/test/resources/io/pulsemq/broker/config/ConfigLoaderFuzzTestInputs/}.
 */
class ConfigLoaderFuzzTest {

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "10m")
    void configFile(byte[] input) throws Exception {
        Path file = dir.resolve("pulsemq.yaml");
        Files.write(file, input);
        ConfigLoader loader = new ConfigLoader(Map.of()).withFile(file).withDataDir(dir.resolve("data"));
        BrokerConfig config;
        try {
            config = loader.load();
        } catch (ConfigException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(loader.load()).isEqualTo(config);
    }
}
