package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.pulsemq.broker.config.StatusLogConfig;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A data disk that fills up and then gets room again, on a real file system: a small tmpfs (the test needs root,
 * as in CI, and is skipped otherwise). Below {@code statusLog.minFreeDisk} new connections are refused with MQTT's
 * own code (v5 0x88 Server unavailable, 3.1.1 return code 3) and {@code /health/ready} says why, while connected
 * clients keep working and their disconnects are still logged; once there is room again the broker accepts
 * connections by itself, with every client's versions still growing by one.
 */
class DiskFullIT {

    private static final long DISK = 96L << 20;
    private static final long FLOOR = 24L << 20;

    private static Path mount;
    private static BrokerFixture broker;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        mount = Files.createTempDirectory("pulsemq-diskfull-");
        assumeThat(run("mount", "-t", "tmpfs", "-o", "size=" + DISK, "tmpfs", mount.toString()))
                .as("mounting a tmpfs needs root (as in CI)").isZero();
        Path data = mount.resolve("data");
        broker = BrokerFixture.start(c -> c.withDataDir(data).withStatusLog(c.statusLog().withMinFreeDisk(FLOOR)));
        api = new ApiClient(broker.httpPort());
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    @Test
    void fullDisk_refusesNewConnectionsWithTheProtocolsCode_keepsLoggingEndings_andRecoversByItself() throws Exception {
        assertThat(ready().statusCode()).isEqualTo(200);
        Mqtt5BlockingClient stays = Clients.connectedHive5(broker, "GID_disk@@@stays");
        Mqtt5BlockingClient leaves = Clients.connectedHive5(broker, "GID_disk@@@leaves");

        Path filler = mount.resolve("filler");
        fill(filler, FLOOR / 2);

        await().atMost(Duration.ofSeconds(30)).until(() -> ready().statusCode() == 503);
        assertThat(ApiClient.json(ready().body()).get("reason").asText()).contains("minFreeDisk");
        Mqtt5ConnAckException v5 = catchThrowableOfType(() -> Clients.hive5(broker, "GID_disk@@@new5").connect(),
                Mqtt5ConnAckException.class);
        assertThat(v5.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE);
        org.eclipse.paho.client.mqttv3.MqttClient paho = Clients.paho3(broker, "GID_disk@@@new3");
        MqttException v3 = catchThrowableOfType(() -> paho.connect(new MqttConnectOptions()), MqttException.class);
        assertThat(v3.getReasonCode()).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);
        paho.close();
        // a client that was connected keeps working, and its end is still logged
        assertThat(stays.publishWith().topic("disk/ping").send()).isNotNull();
        leaves.disconnect();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !api.client("GID_disk@@@leaves", ADMIN).get("online").asBoolean());

        Files.delete(filler);

        await().atMost(Duration.ofSeconds(30)).until(() -> ready().statusCode() == 200);
        Mqtt5BlockingClient back = Clients.connectedHive5(broker, "GID_disk@@@leaves");
        JsonNode status = api.client("GID_disk@@@leaves", ADMIN);
        assertThat(status.get("online").asBoolean()).isTrue();
        assertThat(status.get("version").asLong()).isEqualTo(4); // connect, disconnect, tcpclean, connect
        assertThat(api.client("GID_disk@@@new5", ADMIN).get("version").asLong()).isZero(); // never connected
        back.disconnect();
        stays.disconnect();
    }

    private static HttpResponse<String> ready() {
        return api.get("/health/ready", null);
    }

    /** Writes a file until the file system has at most {@code leave} bytes free. */
    private static void fill(Path file, long leave) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (Files.getFileStore(mount).getUsableSpace() > leave + chunk.length) {
                out.write(chunk);
                out.flush();
            }
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
