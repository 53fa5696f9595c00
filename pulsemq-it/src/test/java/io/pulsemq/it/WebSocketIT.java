package io.pulsemq.it;

import io.pulsemq.it.AnyClient.Kind;
import io.pulsemq.it.AnyClient.Received;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT over WebSocket on {@code /mqtt}: each client library and version subscribes and publishes
 * over WebSocket, and messages cross between WebSocket and TCP clients.
 */
class WebSocketIT {

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void webSocket_pubSub_crossesToAndFromTcpClients(Kind kind) throws Exception {
        String toWs = unique("ws/in");
        String fromWs = unique("ws/out");
        byte[] payload = new byte[40_000]; // spans several WebSocket frames on the way in
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        try (AnyClient ws = kind.connect(broker, unique("ws"), true);
             AnyClient tcp = kind.connect(broker, unique("tcp"), false)) {
            ws.subscribe(toWs, 2);
            tcp.subscribe(fromWs, 2);

            tcp.publish(toWs, 1, false, payload);
            ws.publish(fromWs, 2, false, utf8("from websocket"));

            Received atWs = ws.next();
            assertThat(atWs.topic()).isEqualTo(toWs);
            assertThat(atWs.payload()).isEqualTo(payload);
            assertThat(tcp.next().text()).isEqualTo("from websocket");
        }
    }

    @Test
    void webSocket_pahoMqtt31_pubSubWorks() throws Exception {
        String topic = unique("ws/31");
        try (Clients.Paho3 c = Clients.connectedPaho3(broker.wsUri(), unique("ws31"), MqttConnectOptions.MQTT_VERSION_3_1)) {
            c.client().subscribe(topic, 1);

            c.client().publish(topic, utf8("over mqttv3.1"), 1, false);

            assertThat(c.inbox().next().payload()).isEqualTo("over mqttv3.1");
        }
    }
}
