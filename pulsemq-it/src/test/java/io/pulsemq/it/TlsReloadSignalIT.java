package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.broker.bootstrap.BoundPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kill -HUP} reloads the TLS certificate of a broker run as a process ({@code pulsemq start}) at once, even
 * a replacement the periodic check cannot see (same size, same modification time), without dropping a live
 * connection; the broker keeps running.
 */
class TlsReloadSignalIT {

    @TempDir
    Path dataDir;
    @TempDir
    Path tlsDir;

    @Test
    void sighup_certificateReplacedWithSameSizeAndTime_newClientsGetTheNewOne_liveClientKeepsWorking()
            throws Exception {
        TestPki first = TestPki.create(tlsDir.resolve("first"), "first");
        TestPki second = TestPki.create(tlsDir.resolve("second"), "second");
        Path cert = tlsDir.resolve("server.pem");
        Path key = tlsDir.resolve("server.key");
        // both PKIs' files padded to one size, so that replacing one by the other changes no size
        long certSize = Math.max(Files.size(first.certFile()), Files.size(second.certFile())) + 16;
        long keySize = Math.max(Files.size(first.keyFile()), Files.size(second.keyFile())) + 16;
        writePadded(first.certFile(), cert, certSize, null);
        writePadded(first.keyFile(), key, keySize, null);

        try (ChildBroker child = ChildBroker.start(dataDir, Map.of(
                "PULSEMQ_TLS_CERTFILE", cert.toString(), "PULSEMQ_TLS_KEYFILE", key.toString()))) {
            BoundPorts ports = child.awaitPorts();
            Mqtt5BlockingClient old = client(ports, first, unique("hup-old"));
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = old.publishes(MqttGlobalPublishFilter.ALL)) {
                old.connect();
                String topic = unique("tls/hup");
                old.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

                // what the 2 s check compares stays as it was: only the signal can make the broker load the files
                writePadded(second.certFile(), cert, certSize, Files.getLastModifiedTime(cert));
                writePadded(second.keyFile(), key, keySize, Files.getLastModifiedTime(key));
                child.signal("HUP");

                await().ignoreExceptions().untilAsserted(() -> {
                    Mqtt5BlockingClient fresh = client(ports, second, unique("hup-new"));
                    fresh.connect();
                    fresh.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("from new")).send();
                    fresh.disconnect();
                });
                assertThat(received(publishes)).isEqualTo("from new");
                old.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("from old")).send();
                assertThat(received(publishes)).isEqualTo("from old");
                assertThat(child.isAlive()).as("SIGHUP does not stop the broker").isTrue();
                assertThat(child.log()).contains("SIGHUP: reloading the TLS certificates")
                        .contains("TLS: certificate " + cert + " reloaded");
            } finally {
                if (old.getState().isConnected()) {
                    old.disconnect();
                }
            }
        }
    }

    private static Mqtt5BlockingClient client(BoundPorts ports, TestPki trusted, String clientId) throws Exception {
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(ports.mqtts())
                .sslConfig(MqttClientSslConfig.builder().trustManagerFactory(trusted.trustManagers())
                        .protocols(List.of("TLSv1.3")).build())
                .buildBlocking();
    }

    private static String received(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        Optional<Mqtt5Publish> p = publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(p).isPresent();
        return new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Puts {@code from}'s content, padded with newlines to {@code size} bytes (PEM readers skip them), in place of
     * {@code to} in one rename, with modification time {@code time} (null: now).
     */
    private static void writePadded(Path from, Path to, long size, FileTime time) throws IOException {
        String pem = Files.readString(from, StandardCharsets.US_ASCII);
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.writeString(tmp, pem + "\n".repeat((int) (size - pem.length())), StandardCharsets.US_ASCII);
        if (time != null) {
            Files.setLastModifiedTime(tmp, time);
        }
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.size(to)).isEqualTo(size);
    }
}
