package io.pulsemq.it;

import com.rabbitmq.client.impl.AMQImpl;
import io.pulsemq.broker.config.EventLoopsConfig;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MQTT, HTTP and AMQP have event loops of their own: with every MQTT event loop stalled (held in the connect path,
 * where a slow store write would hold it), {@code /health/live} answers and a server SDK connection completes its
 * handshake; once MQTT resumes, the stalled connections are accepted.
 */
class EventLoopIsolationIT {

    private static final int MQTT_LOOPS = 2;

    /** Holds the event loop of every connect of a client ID starting with {@code stall-} until released. */
    private static final class StallingListener implements LifecycleListener {
        final CountDownLatch release = new CountDownLatch(1);
        final Set<String> stalledThreads = ConcurrentHashMap.newKeySet();

        @Override
        public CompletionStage<?> connected(ConnectionInfo connection) {
            if (connection.clientId().startsWith("stall-")) {
                stalledThreads.add(Thread.currentThread().getName());
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return DONE;
        }

        @Override
        public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect,
                                               DisconnectReason reason) {
            return DONE;
        }
    }

    @Test
    void everyMqttEventLoopStalled_healthAndServerSdkStillAnswer() throws Exception {
        StallingListener stalling = new StallingListener();
        try (BrokerFixture broker = BrokerFixture.start(c -> c.withEventLoops(new EventLoopsConfig(MQTT_LOOPS, 1, 1)),
                stalling)) {
            ApiClient api = new ApiClient(broker.httpPort());
            // Open the connections first, so that every one is accepted (and assigned to its loop, in turn) before
            // the first CONNECT stalls a loop: more than one per loop, so that every loop gets one.
            int count = 2 * MQTT_LOOPS + 2;
            List<RawMqttClient> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    stalled.add(RawMqttClient.open(broker, RawMqttClient.V311));
                }
                await().until(() -> api.metric("pulsemq_connections", BrokerFixture.ADMIN) == count);
                for (int i = 0; i < count; i++) {
                    stalled.get(i).send(Connect.v311("stall-" + i).encode());
                }
                await().until(() -> stalling.stalledThreads.size() == MQTT_LOOPS);
                assertThat(stalling.stalledThreads).allMatch(name -> name.startsWith("pulsemq-mqtt"));

                assertThat(api.get("/health/live", null).statusCode()).isEqualTo(200);
                assertThat(api.get("/health/ready", null).statusCode()).isEqualTo(200);
                try (RawAmqp amqp = new RawAmqp(broker.amqpPort())) {
                    amqp.handshake(broker.config().instanceId(), BrokerFixture.CAR_SERVER, 0);
                    amqp.send(1, new AMQImpl.Channel.Open(""));
                    assertThat(amqp.readMethod()).isInstanceOf(AMQImpl.Channel.OpenOk.class);
                }
            } finally {
                stalling.release.countDown();
            }
            for (RawMqttClient c : stalled) {
                RawMqttClient.Packet ack = c.read();
                assertThat(ack.type()).isEqualTo(RawMqttClient.CONNACK);
                assertThat(ack.reasonCode()).isZero();
                c.close();
            }
        }
    }
}
