package io.pulsemq.broker.bootstrap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PortsFileTest {

    @TempDir
    Path dir;

    @Test
    void write_boundPorts_writesContractJson() throws IOException {
        Path file = PortsFile.write(dir, new BoundPorts(41883, 48083, 48080, 45672));

        assertThat(file).isEqualTo(dir.resolve("ports.json").toAbsolutePath());
        assertThat(Files.readString(file)).isEqualTo("{\"mqtt\":41883,\"ws\":48083,\"http\":48080,\"amqp\":45672}");
    }

    @Test
    void write_boundTlsListeners_areNamedAndReadBack() throws IOException {
        BoundPorts ports = new BoundPorts(11883, -1, 18080, 15672, 8883, 8084, -1, 5671);

        Path file = PortsFile.write(dir, ports);

        assertThat(Files.readString(file)).isEqualTo(
                "{\"mqtt\":11883,\"ws\":-1,\"http\":18080,\"amqp\":15672,\"mqtts\":8883,\"wss\":8084,\"amqps\":5671}");
        assertThat(PortsFile.read(dir)).isEqualTo(ports);
    }

    @Test
    void write_thenRead_roundTrips() throws IOException {
        BoundPorts ports = new BoundPorts(40001, 40002, 40003, -1);

        PortsFile.write(dir, ports);

        assertThat(PortsFile.read(dir)).isEqualTo(ports);
    }

    @Test
    void write_existingFile_isReplacedWithoutLeftovers() throws IOException {
        PortsFile.write(dir, new BoundPorts(1, 2, 3, 4));

        PortsFile.write(dir, new BoundPorts(5, 6, 7, 8));

        assertThat(PortsFile.read(dir)).isEqualTo(new BoundPorts(5, 6, 7, 8));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("ports.json"));
        }
    }

    @Test
    void write_missingDataDir_isCreated() throws IOException {
        Path dataDir = dir.resolve("a/b");

        PortsFile.write(dataDir, new BoundPorts(1, 2, 3, 4));

        assertThat(PortsFile.read(dataDir)).isEqualTo(new BoundPorts(1, 2, 3, 4));
    }

    @Test
    void read_unknownFields_areIgnored() throws IOException {
        Files.writeString(PortsFile.file(dir), "{\"mqtt\":1,\"ws\":2,\"http\":3,\"amqp\":4,\"coap\":5}");

        assertThat(PortsFile.read(dir)).isEqualTo(new BoundPorts(1, 2, 3, 4));
    }

    @Test
    void read_noFile_throwsNoSuchFile() {
        assertThatThrownBy(() -> PortsFile.read(dir)).isInstanceOf(NoSuchFileException.class);
    }
}
