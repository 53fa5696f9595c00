package io.pulsemq.broker.bootstrap;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code <dataDir>/ports.json}: the ports the listeners bound, so that scripts, tests and benchmarks that
 * start the broker with port 0 can find it: {@code {"mqtt":1883,"ws":8083,"http":8080,"amqp":5672}},
 * {@code -1} for a disabled listener. The TLS listeners appear only when bound ({@code "mqtts":8883,"wss":8084,
 * "https":8443,"amqps":5671}); a missing one reads as -1.
 *
 * <p>The file is replaced atomically (written to a temporary sibling, then moved over it), so a reader never
 * sees it half written.
 */
public final class PortsFile {

    /** Name of the file inside the data directory. */
    public static final String FILE_NAME = "ports.json";

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();

    private PortsFile() {
    }

    /** The ports file of a data directory. */
    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Writes {@code ports} to {@code <dataDir>/ports.json}, replacing any earlier file; creates the directory
     * if needed.
     *
     * @return the file written
     */
    public static Path write(Path dataDir, BoundPorts ports) throws IOException {
        Path file = file(dataDir).toAbsolutePath();
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            Map<String, Integer> json = new LinkedHashMap<>();
            json.put("mqtt", ports.mqtt());
            json.put("ws", ports.ws());
            json.put("http", ports.http());
            json.put("amqp", ports.amqp());
            putIfBound(json, "mqtts", ports.mqtts());
            putIfBound(json, "wss", ports.wss());
            putIfBound(json, "https", ports.https());
            putIfBound(json, "amqps", ports.amqps());
            Files.write(tmp, MAPPER.writeValueAsBytes(json));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /**
     * Reads {@code <dataDir>/ports.json}. Unknown fields are ignored, so that older readers keep working when
     * listeners are added.
     *
     * @throws java.nio.file.NoSuchFileException if the broker has not written it
     * @throws IOException                       if it cannot be read or lacks a port
     */
    public static BoundPorts read(Path dataDir) throws IOException {
        JsonNode json = MAPPER.readTree(Files.readAllBytes(file(dataDir)));
        return new BoundPorts(required(json, "mqtt"), required(json, "ws"), required(json, "http"),
                required(json, "amqp"), json.path("mqtts").asInt(-1), json.path("wss").asInt(-1),
                json.path("https").asInt(-1), json.path("amqps").asInt(-1));
    }

    private static void putIfBound(Map<String, Integer> json, String name, int port) {
        if (port >= 0) {
            json.put(name, port);
        }
    }

    private static int required(JsonNode json, String name) throws IOException {
        JsonNode port = json == null ? null : json.get(name);
        if (port == null || !port.canConvertToInt()) {
            throw new IOException(FILE_NAME + " lacks the port of " + name);
        }
        return port.intValue();
    }
}
