package io.pulsemq.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeIT {

    @Test
    void publishAndReceive_v5() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start()) {
            Mqtt5BlockingClient sub = Clients.hive5(broker, "sub");
            sub.connect();
            Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("a/+").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient pub = Clients.hive5(broker, "pub");
            pub.connect();
            pub.publishWith().topic("a/b").qos(MqttQos.AT_LEAST_ONCE).payload("hi".getBytes(StandardCharsets.UTF_8)).send();
            Mqtt5Publish got = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(got.getTopic().toString()).isEqualTo("a/b");
            assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hi");
            pub.disconnect();
            sub.disconnect();
        }
    }
}
