package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsemq.broker.config.AuthConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PROXY protocol on the listeners: the real client address from a v1 or v2 header is the {@code clientIp} of the
 * status and the trace, and the anonymous loopback check uses it; a connection without a header is closed.
 */
class ProxyProtocolIT {

    @Test
    void connect_v1Header_clientIpIsTheProxiedAddress() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(c -> BrokerFixture.anonymous(
                AuthConfig.AnonymousPolicy.TRUE).apply(BrokerFixture.proxyProtocolOnMqtt().apply(c)));
             Socket s = socket(broker)) {
            String clientId = Clients.unique("GID_px@@@v1");
            s.getOutputStream().write("PROXY TCP4 203.0.113.7 10.0.0.1 40123 18830\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(RawMqttClient.Connect.v311(clientId).encode());

            assertThat(readConnAckCode(s.getInputStream())).isZero();
            JsonNode status = new ApiClient(broker.httpPort())
                    .getJson("/api/v1/clients/" + clientId, BrokerFixture.ADMIN);
            assertThat(status.get("online").asBoolean()).isTrue();
            assertThat(status.get("clientIp").asText()).isEqualTo("203.0.113.7:40123");
        }
    }

    @Test
    void connect_v2HeaderFromRemoteAddress_anonymousLoopbackRefusesAndTraceShowsIt() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.proxyProtocolOnMqtt());
             Socket s = socket(broker)) {
            String clientId = Clients.unique("GID_px@@@v2");
            s.getOutputStream().write(v2Proxy("198.51.100.9", 5555));
            s.getOutputStream().write(RawMqttClient.Connect.v311(clientId).encode());

            assertThat(readConnAckCode(s.getInputStream())).isEqualTo(5); // not authorized: not loopback any more
            await().untilAsserted(() -> {
                JsonNode trace = new ApiClient(broker.httpPort())
                        .getJson("/api/v1/clients/" + clientId + "/trace", BrokerFixture.ADMIN);
                assertThat(trace.get("items")).isNotEmpty();
                assertThat(trace.get("items").get(0).get("clientIp").asText()).isEqualTo("198.51.100.9:5555");
            });
        }
    }

    @Test
    void connect_v2LocalHeader_keepsTheProxyAddress() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.proxyProtocolOnMqtt());
             Socket s = socket(broker)) {
            String clientId = Clients.unique("GID_px@@@local");
            s.getOutputStream().write(v2Local());
            s.getOutputStream().write(RawMqttClient.Connect.v311(clientId).encode());

            assertThat(readConnAckCode(s.getInputStream())).isZero(); // the proxy itself is on loopback
            JsonNode status = new ApiClient(broker.httpPort())
                    .getJson("/api/v1/clients/" + clientId, BrokerFixture.ADMIN);
            assertThat(status.get("clientIp").asText()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void connect_withoutHeader_isClosed() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.proxyProtocolOnMqtt());
             Socket s = socket(broker)) {
            byte[] connect = RawMqttClient.Connect.v311(Clients.unique("GID_px@@@none")).encode();
            for (int i = 0; i < 10; i++) {
                s.getOutputStream().write(connect); // past the longest v1 header (107 bytes)
            }

            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void http_v1Header_passesThroughToTheApi() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(BrokerFixture.proxyProtocolOnHttp());
             Socket s = new Socket("127.0.0.1", broker.httpPort())) {
            s.getOutputStream().write(("PROXY TCP4 203.0.113.8 10.0.0.1 40000 18080\r\n"
                    + "GET /health HTTP/1.1\r\nHost: broker\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));

            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200");
        }
    }

    private static Socket socket(BrokerFixture broker) throws IOException {
        Socket s = new Socket("127.0.0.1", broker.mqttPort());
        s.setSoTimeout(RawMqttClient.READ_TIMEOUT_MS);
        return s;
    }

    /** The return code of a 3.1.1 CONNACK: type 0x20, length 2, flags, code. */
    private static int readConnAckCode(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] ack = new byte[4];
        data.readFully(ack);
        assertThat(ack[0]).isEqualTo((byte) 0x20);
        return ack[3] & 0xFF;
    }

    /** The port clients connected to on the proxy (not the broker's). */
    private static final int PROXY_PORT = 18830;
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** v2 PROXY, TCP over IPv4, to 10.0.0.1:18830 (the proxy's own port; HAProxy proxy-protocol.txt 2.2). */
    private static byte[] v2Proxy(String source, int port) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(V2_SIGNATURE);
        out.write(0x21); // version 2, PROXY
        out.write(0x11); // AF_INET, STREAM
        out.write(0);
        out.write(12); // 4 + 4 + 2 + 2 address bytes
        out.writeBytes(InetAddress.getByName(source).getAddress());
        out.writeBytes(InetAddress.getByName("10.0.0.1").getAddress());
        out.write(port >> 8);
        out.write(port & 0xFF);
        out.write(PROXY_PORT >> 8);
        out.write(PROXY_PORT & 0xFF);
        return out.toByteArray();
    }

    /** v2 LOCAL (a health check), no addresses. */
    private static byte[] v2Local() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(V2_SIGNATURE);
        out.write(0x20);
        out.write(0x00);
        out.write(0);
        out.write(0);
        return out.toByteArray();
    }
}
