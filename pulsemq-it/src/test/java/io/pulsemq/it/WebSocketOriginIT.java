package io.pulsemq.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket listener's Origin check: by default only pages of the broker's own host:port (and clients that
 * send no Origin) may open a connection; {@code allowedOrigins} names others.
 */
class WebSocketOriginIT {

    @Test
    void upgrade_foreignOrigin_isRefused403() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            assertThat(upgrade(broker, "https://evil.example.net")).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void upgrade_sameHostOrigin_isUpgraded() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            assertThat(upgrade(broker, "http://127.0.0.1:" + broker.wsPort())).startsWith("HTTP/1.1 101");
        }
    }

    @Test
    void upgrade_noOrigin_isUpgraded() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            assertThat(upgrade(broker, null)).startsWith("HTTP/1.1 101");
        }
    }

    @Test
    void upgrade_listedOrigin_isUpgradedOthersRefused() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.allowedOrigins("https://app.example.com"))) {
            assertThat(upgrade(broker, "https://app.example.com")).startsWith("HTTP/1.1 101");
            assertThat(upgrade(broker, "http://127.0.0.1:" + broker.wsPort())).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void pahoOverWebSocket_sendsNoOrigin_connects() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.wsUri(), Clients.unique("GID_ws@@@paho"),
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            paho.connect();
            assertThat(paho.isConnected()).isTrue();
            paho.disconnect();
            paho.close();
        }
    }

    /** Sends a WebSocket upgrade request (RFC 6455 section 4.1) and returns the status line. */
    private static String upgrade(BrokerFixture broker, String origin) throws IOException {
        try (Socket s = new Socket("127.0.0.1", broker.wsPort())) {
            s.setSoTimeout(RawMqttClient.READ_TIMEOUT_MS);
            String request = "GET /mqtt HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + broker.wsPort() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: mqtt\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n")
                    + "\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return statusLine(s.getInputStream());
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString().trim();
    }
}
