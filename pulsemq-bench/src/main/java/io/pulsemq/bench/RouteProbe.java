package io.pulsemq.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.pulsemq.bench.pubsub.PubSubLoad;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Holds a route for a topic open between two nodes of a cluster: a subscriber on the receiving node, and probes
 * published on the sending node until one arrives. Interest travels between nodes asynchronously, so a workload
 * that started publishing right after its SUBACKs would lose its first messages to a route not yet known; with
 * the probe's subscription in place, the workload's own subscribers (same topic, same node) add to an interest
 * the sending node already routes. Close it once the workload's subscribers are in.
 *
 * <p>Probe payloads are {@link PubSubLoad#HEADER_BYTES} bytes with publisher index -1, which a workload's
 * subscribers skip.
 */
final class RouteProbe implements AutoCloseable {

    private static final long TIMEOUT_MS = 30_000;
    private static final long PROBE_WAIT_MS = 200;

    private final Mqtt3BlockingClient subscriber;
    private final Mqtt3BlockingClient.Mqtt3Publishes received;
    private final Mqtt3BlockingClient publisher;
    private final long millis;

    private RouteProbe(Mqtt3BlockingClient subscriber, Mqtt3BlockingClient.Mqtt3Publishes received,
                       Mqtt3BlockingClient publisher, long millis) {
        this.subscriber = subscriber;
        this.received = received;
        this.publisher = publisher;
        this.millis = millis;
    }

    /** Subscribes to {@code topic} on {@code to}, then probes from {@code from} until one probe arrives. */
    static RouteProbe open(InetSocketAddress from, InetSocketAddress to, String topic) throws Exception {
        long t0 = System.nanoTime();
        Mqtt3BlockingClient sub = client("bench-route-sub-" + t0, to);
        Mqtt3BlockingClient pub = null;
        // Kept until close(), after the subscriber's DISCONNECT: the workload's messages reach the probe's
        // subscriber too, and a client without a consumer for them warns about each one.
        Mqtt3BlockingClient.Mqtt3Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL);
        try {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_MOST_ONCE).send();
            pub = client("bench-route-pub-" + t0, from);
            for (long probe = 1; System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS); probe++) {
                pub.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload(probe)).send();
                if (arrived(received, probe)) {
                    return new RouteProbe(sub, received, pub, (System.nanoTime() - t0) / 1_000_000);
                }
            }
            throw new IllegalStateException("no message published on " + from + " reached a subscriber on " + to
                    + " within " + TIMEOUT_MS / 1000 + " s");
        } catch (Exception | Error e) {
            disconnect(sub);
            received.close();
            disconnect(pub);
            throw e;
        }
    }

    /** Waits up to {@value #PROBE_WAIT_MS} ms for probe {@code n}; earlier probes that arrive late are skipped. */
    private static boolean arrived(Mqtt3BlockingClient.Mqtt3Publishes received, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_WAIT_MS);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Optional<Mqtt3Publish> m = received.receive(left, TimeUnit.NANOSECONDS);
            if (m.isPresent() && probeNumber(m.get().getPayloadAsBytes()) == n) {
                return true;
            }
        }
    }

    /** A probe: publisher -1 (skipped by workload subscribers), then its number, then zeros. */
    static byte[] payload(long n) {
        return ByteBuffer.allocate(PubSubLoad.HEADER_BYTES).putInt(-1).putLong(n).array();
    }

    /** The number of a probe payload, or -1 for anything else. */
    static long probeNumber(byte[] payload) {
        if (payload.length != PubSubLoad.HEADER_BYTES) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        return b.getInt() == -1 ? b.getLong() : -1;
    }

    /** How long the route took to appear (subscribe to the first probe that arrived). */
    long millis() {
        return millis;
    }

    private static Mqtt3BlockingClient client(String id, InetSocketAddress at) {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id)
                .serverHost(at.getHostString()).serverPort(at.getPort()).buildBlocking();
        c.connect();
        return c;
    }

    private static void disconnect(Mqtt3BlockingClient c) {
        if (c == null) {
            return;
        }
        try {
            c.disconnect();
        } catch (RuntimeException alreadyGone) {
            // closing a probe: nothing depends on it
        }
    }

    @Override
    public void close() {
        disconnect(publisher);
        disconnect(subscriber);
        received.close();
    }
}
