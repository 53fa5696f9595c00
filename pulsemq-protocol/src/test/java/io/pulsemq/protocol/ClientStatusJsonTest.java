package io.pulsemq.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ClientStatusJsonTest {

    @Test
    void encode_writesTheContractFieldsInOrder_andDecodeRoundTrips() {
        ClientStatus s = new ClientStatus("GID_car@@@vin\"1", "GID_car", true, 7, "connect", "ch", "10.1.2.3:5",
                "node-1", 1000, 0, null, 5, 60, false, "u\u00e9", "5e1a");
        String json = new String(ClientStatusJson.encode(s), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"clientId\":\"GID_car@@@vin\\\"1\",\"groupId\":\"GID_car\",\"online\":true,"
                + "\"version\":7,\"lastEventType\":\"connect\",\"channelId\":\"ch\",\"clientIp\":\"10.1.2.3:5\","
                + "\"node\":\"node-1\",\"connectedAt\":1000,\"disconnectedAt\":0,\"lastReason\":null,"
                + "\"protocolVersion\":5,\"keepAlive\":60,\"cleanStart\":false,\"username\":\"u\u00e9\",\"certificateChainSn\":\"5e1a\"}");
        assertThat(ClientStatusJson.decode(ClientStatusJson.encode(s))).isEqualTo(s);
    }

    @Test
    void decode_ignoresUnknownFields() {
        ClientStatus s = ClientStatusJson.decode("{\"clientId\":\"a@@@b\",\"extra\":{\"x\":[1]},\"online\":true}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(s.clientId()).isEqualTo("a@@@b");
        assertThat(s.groupId()).isEqualTo("a");
        assertThat(s.online()).isTrue();
    }
}
