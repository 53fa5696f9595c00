package io.pulsemq.it;

import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;

import static io.pulsemq.it.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The broker's last packet on a connection (a DISCONNECT, a refusing CONNACK) reaches the client even when
 * the client has already sent more: the broker stops reading, half-closes and drains instead of closing with
 * unread input (which makes the kernel send a TCP reset in place of the packet).
 */
class ServerDisconnectIT {

    private static final int RECEIVE_MAXIMUM = 2;
    /** Large enough that most of a burst is still in the broker's socket buffer when it decides to end. */
    private static final int PAYLOAD_BYTES = 16 * 1024;

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.receiveMaximum(RECEIVE_MAXIMUM));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void qos2Flood_beyondReceiveMaximum_clientReadsDisconnect0x93() throws Exception {
        try (RawMqttClient c = RawMqttClient.connectAccepted(broker, Connect.v5(unique("flood")))) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            String payload = "x".repeat(PAYLOAD_BYTES);
            for (int id = 1; id <= RECEIVE_MAXIMUM + 5; id++) { // none of them is released (no PUBREL)
                burst.writeBytes(RawMqttClient.publishPacket(RawMqttClient.V5, unique("flood/t"), payload, 2, id, false));
            }
            c.send(burst.toByteArray());

            Packet p = c.read();
            while (p.type() == RawMqttClient.PUBREC) {
                p = c.read();
            }
            assertThat(p.type()).isEqualTo(RawMqttClient.DISCONNECT);
            assertThat(p.reasonCode()).isEqualTo(0x93); // [MQTT-3.3.4-7] Receive Maximum exceeded
            assertThatThrownBy(c::read).isInstanceOf(EOFException.class); // then a clean end, not a reset
        }
    }

    @Test
    void refusedConnect_clientKeepsSending_clientReadsConnAck() throws Exception {
        try (RawMqttClient c = RawMqttClient.open(broker, RawMqttClient.V5)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            burst.writeBytes(Connect.v5(unique("GID_car@@@refused"))
                    .credentials(BrokerFixture.CAR_DEVICE.id(), "not-the-secret-at-all").encode());
            String payload = "x".repeat(PAYLOAD_BYTES);
            for (int id = 1; id <= 32; id++) { // a client that does not wait for its CONNACK
                burst.writeBytes(RawMqttClient.publishPacket(RawMqttClient.V5, "refused/t", payload, 1, id, false));
            }
            c.send(burst.toByteArray());

            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(RawMqttClient.CONNACK);
            assertThat(ack.reasonCode()).isEqualTo(0x86); // Bad User Name or Password
            assertThatThrownBy(c::read).isInstanceOf(EOFException.class);
        }
    }
}
