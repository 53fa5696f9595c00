package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.sun.management.UnixOperatingSystemMXBean;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.it.RawMqttClient.Connect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection storm: thousands of connections (20,000 where the open-file limit allows) opened at once, each
 * sending CONNECT (one in four only half of it), then all dropped at once with a TCP reset, without waiting for any CONNACK. Afterwards the broker
 * serves a real client (HiveMQ) normally, every storm connection is gone, every client of the storm is offline in the
 * status API, every {@code connect} event has its {@code tcpclean}, and the broker logged no warning, error or stack
 * trace. The broker runs as a child process, so that
 * the storm's client sockets and the broker's count against two open-file limits, not one; no other test class runs
 * meanwhile ({@link Isolated}), so the storm has this JVM's limit to itself.
 */
@Isolated("takes nearly every file descriptor the test JVM may open")
class ConnectionStormIT {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionStormIT.class);
    private static final int STORM = 20_000;
    /** Fewer than this is no storm: the test is skipped (with the reason) rather than weakened further. */
    private static final int MIN_STORM = 4_000;
    /** Files each process keeps for everything but the storm (jars, the store, listeners, the test's own). */
    private static final int RESERVE = 1_000;
    private static final int OPENERS = 8;
    private static final String GROUP = "GID_storm";

    @TempDir
    Path dataDir;

    @Test
    void twentyThousandConnectionsOpenedAndDropped_brokerServesARealClientAndEveryoneIsOffline() throws Exception {
        int storm = stormSize();
        ChildBroker child = ChildBroker.start(dataDir, Map.of(
                "PULSEMQ_ACCESSKEYS_0_ID", BrokerFixture.ADMIN.id(),
                "PULSEMQ_ACCESSKEYS_0_SECRET", BrokerFixture.ADMIN.secret(),
                "PULSEMQ_ACCESSKEYS_0_ROLE", "admin",
                "PULSEMQ_ACCESSKEYS_0_GROUPS", "*"));
        try {
            BoundPorts ports = child.awaitPorts();
            ApiClient api = new ApiClient(ports.http());

            List<Socket> sockets = open(storm, ports.mqtt());
            LOG.info("storm: {} connections opened, each sent (most of) a CONNECT", sockets.size());
            drop(sockets);

            // a real client, right after the storm, is served normally
            Mqtt5BlockingClient normal = MqttClient.builder().useMqttVersion5().identifier("GID_calm@@@after")
                    .serverHost("127.0.0.1").serverPort(ports.mqtt()).buildBlocking();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = normal.publishes(MqttGlobalPublishFilter.ALL)) {
                normal.connect();
                normal.subscribeWith().topicFilter("storm/after").qos(MqttQos.AT_LEAST_ONCE).send();
                normal.publishWith().topic("storm/after").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("calm".getBytes(StandardCharsets.UTF_8)).send();
                Mqtt5Publish got = publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow();
                assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("calm");

                // every storm connection is gone and every storm client offline; the real one is the only one online
                await().atMost(Duration.ofMinutes(3)).until(() -> metric(api, "pulsemq_connections") == 1
                        && metric(api, "pulsemq_clients_online") == 1);
                JsonNode group = api.getJson("/api/v1/groups/" + GROUP, BrokerFixture.ADMIN);
                LOG.info("storm: {} of {} clients got as far as connected (logged), all offline now",
                        group.get("known").asInt(), storm);
                assertThat(group.get("online").asInt()).isZero();
                assertThat(group.get("known").asInt()).as("clients that sent a whole CONNECT")
                        .isLessThanOrEqualTo(storm - storm / 4);
                assertThat(api.getJson("/api/v1/clients?group=" + GROUP + "&online=true&limit=1000",
                        BrokerFixture.ADMIN).get("items")).isEmpty();
                assertThat(api.getJson("/api/v1/clients/GID_calm@@@after", BrokerFixture.ADMIN).get("online")
                        .asBoolean()).isTrue();
            } finally {
                normal.disconnect();
            }
            await().until(() -> metric(api, "pulsemq_clients_online") == 0);
            String text = api.get("/metrics", BrokerFixture.ADMIN).body();
            assertThat(sum(text, "connect")).as("every connect has its tcpclean")
                    .isEqualTo(sum(text, "tcpclean")).isGreaterThan(0);
            assertThat(child.isAlive()).isTrue();
            // the storm runs into mqtt.connectRate (the default): that limit's one WARN at its first hit is expected
            assertThat(child.log().lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")
                    || l.contains("Exception")).filter(l -> !l.contains(" LimitHits - limit ")))
                    .as("warnings, errors and stack traces the broker logged").isEmpty();
        } finally {
            child.close();
        }
    }

    /** {@value #STORM}, or fewer when the open-file limit is lower: both processes keep a {@value #RESERVE} reserve. */
    private static int stormSize() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean unix)) {
            return STORM;
        }
        long limit = unix.getMaxFileDescriptorCount();
        long room = limit - Math.max(RESERVE, unix.getOpenFileDescriptorCount() + RESERVE / 2);
        int storm = (int) Math.min(STORM, room);
        if (storm < STORM) {
            LOG.warn("storm: the open-file limit (ulimit -n) is {}: opening {} connections instead of {}", limit, storm,
                    STORM);
        }
        assumeThat(storm).as("connections the open-file limit %d allows", limit).isGreaterThanOrEqualTo(MIN_STORM);
        return storm;
    }

    /**
     * Opens {@code count} connections from {@value #OPENERS} threads, each sending a CONNECT (one in four only half of
     * it) and reading nothing.
     */
    private static List<Socket> open(int count, int port) throws Exception {
        ExecutorService openers = Executors.newFixedThreadPool(OPENERS);
        AtomicInteger next = new AtomicInteger();
        List<Future<List<Socket>>> parts = new ArrayList<>();
        List<Socket> all = new ArrayList<>(count);
        try {
            for (int t = 0; t < OPENERS; t++) {
                parts.add(openers.submit(() -> {
                    List<Socket> mine = new ArrayList<>();
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        Socket s = new Socket();
                        mine.add(s);
                        s.setSoLinger(true, 0); // closing resets: the connection is dropped, not ended
                        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
                        byte[] connect = Connect.v311(GROUP + "@@@d" + i).keepAlive(60).encode();
                        // one in four stops half-way through its CONNECT: dropped while the broker still waits
                        s.getOutputStream().write(connect, 0, i % 4 == 3 ? connect.length / 2 : connect.length);
                    }
                    return mine;
                }));
            }
            for (Future<List<Socket>> part : parts) {
                all.addAll(part.get(5, TimeUnit.MINUTES));
            }
            return all;
        } catch (Exception e) {
            for (Future<List<Socket>> part : parts) {
                part.cancel(true);
            }
            drop(all);
            throw e;
        } finally {
            openers.shutdownNow();
        }
    }

    private static void drop(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already reset by the broker: dropped as well
            }
        }
    }

    private static double metric(ApiClient api, String series) {
        return api.metric(series, BrokerFixture.ADMIN);
    }

    /** The sum of {@code pulsemq_status_events_total} of one event type over every reason. */
    private static double sum(String metrics, String type) {
        Matcher m = Pattern.compile("(?m)^pulsemq_status_events_total\\{[^}]*type=\"" + type + "\"[^}]*} (\\S+)$")
                .matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
