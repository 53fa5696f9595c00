package io.pulsemq.broker.cluster.routes;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.pulsemq.broker.cluster.NatsCluster;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.routing.MemoryNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routing between nodes on a real three-server NATS cluster: each node is a router, subscription trie and sessions
 * with its own connection, to its own server; what a client of one node publishes reaches the other nodes' clients as
 * MQTT says it should.
 */
class ClusterRoutesTest {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static NatsCluster nats;

    private final List<ClusterNode> started = new ArrayList<>();
    private RouteSubjects subjects;

    @BeforeAll
    static void startNats() throws Exception {
        nats = NatsCluster.threeNodes();
        try (Connection probe = Nats.connect(new Options.Builder().server(nats.urls().get(0)).build())) {
            JetStreamManagement jsm = probe.jetStreamManagement();
            StreamConfiguration stream = StreamConfiguration.builder().name("PROBE").subjects("probe.>")
                    .storageType(StorageType.File).replicas(3).build();
            // the servers elect a JetStream meta leader first; until then no stream can be created
            await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() -> jsm.addStream(stream) != null);
        }
    }

    @AfterAll
    static void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (ClusterNode n : started) {
            n.close();
        }
    }

    /** Node {@code name} on server {@code server}, on subjects and a retained stream of this test's own. */
    private ClusterNode node(String name, int server) throws Exception {
        if (subjects == null) {
            int run = RUNS.incrementAndGet();
            subjects = new RouteSubjects("t" + run + ".routes", "RETAINED_" + run, "t" + run + ".retained");
        }
        ClusterNode n = new ClusterNode(name, nats.urls().get(server), subjects, 3, server != 1);
        started.add(n);
        return n;
    }

    private static void awaitKnown(ClusterNode at, ClusterNode of, String... keys) {
        await().atMost(30, TimeUnit.SECONDS).until(() -> {
            for (String key : keys) {
                if (!at.knows(of, key)) {
                    return false;
                }
            }
            return true;
        });
    }

    private static Message full(String topic, int qos, String payload) {
        return new Message(topic, qos, false, payload.getBytes(StandardCharsets.UTF_8), true, 4_102_444_800_000L,
                "text/plain", "reply/" + topic, new byte[] {7, 7}, List.of(new Message.UserProperty("k", "v"),
                new Message.UserProperty("k", "w")), "publisher", 1);
    }

    private static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void publishOnA_reachesTheSubscriberOnB_onceAtEachQos_withItsProperties_andNoNodeWithoutInterest() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        ClusterNode c = node("c", 2);
        // overlapping filters on one node: one message to that node, one delivery to the client
        MemoryNode.Client sub = b.node.connect("sub-b").subscribe("sensor/+/temp", 2, false, false, 11);
        sub.subscribe("sensor/#", 2, false, false, 12);
        MemoryNode.Client marker = c.node.connect("marker-c").subscribe("marker", 0);
        awaitKnown(a, b, "sensor/+/temp", "sensor/#");
        awaitKnown(a, c, "marker");

        for (int qos = 0; qos <= 2; qos++) {
            a.node.router().publish(full("sensor/1/temp", qos, "q" + qos));
        }
        a.node.publish("pub", "marker", 0, false, "end"); // after the others on a's connection, so c has had them

        await().atMost(30, TimeUnit.SECONDS).until(() -> sub.received().size() >= 3 && marker.received().size() == 1);
        assertThat(sub.received()).extracting(ClusterRoutesTest::text).containsExactly("q0", "q1", "q2");
        for (int qos = 0; qos <= 2; qos++) {
            Message m = sub.received().get(qos);
            RouteWireTest.assertIntact(m, full("sensor/1/temp", qos, "q" + qos));
            assertThat(m.origin()).isEqualTo("a");
            assertThat(sub.subscriptionIds().get(qos)).containsExactlyInAnyOrder(11, 12);
        }
        // c wanted only the marker; b got one message per publish; nothing came back to a
        assertThat(c.routes.receivedCount()).isEqualTo(1);
        assertThat(b.routes.receivedCount()).isEqualTo(3);
        assertThat(a.routes.receivedCount()).isZero();
        assertThat(a.routes.forwardedCount()).isEqualTo(4);
        assertThat(b.routes.forwardedCount() + c.routes.forwardedCount()).isZero();

        b.node.publish("pub-b", "marker", 0, false, "end-b"); // b's own publishes route too, and only once
        await().atMost(30, TimeUnit.SECONDS).until(() -> marker.received().size() == 2);
        assertThat(sub.received()).hasSize(3);
    }

    @Test
    void burstsFromConcurrentPublishers_arriveOnce_inEachPublishersOrder_andEveryPubackGoes() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        MemoryNode.Client sub = b.node.connect("sub-b").subscribe("burst/#", 1);
        awaitKnown(a, b, "burst/#");
        int publishers = 4;
        int each = 2_000;
        List<Thread> threads = new ArrayList<>();
        AtomicInteger pubacks = new AtomicInteger(); // what a publisher's PUBACK waits for: b's acknowledgements
        for (int p = 0; p < publishers; p++) {
            String topic = "burst/" + p;
            threads.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    a.node.publish("pub-" + topic, topic, i % 2, false, Integer.toString(i)); // QoS 0 and 1 mixed
                    if (i % 2 == 1) {
                        a.routes.acks().afterWrites(pubacks::incrementAndGet);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }

        await().atMost(60, TimeUnit.SECONDS).until(() -> sub.received().size() >= publishers * each);
        for (int p = 0; p < publishers; p++) {
            String topic = "burst/" + p;
            assertThat(sub.received().stream().filter(m -> m.topic().equals(topic)).map(ClusterRoutesTest::text))
                    .as("what %s's publisher sent, in order", topic)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, each).mapToObj(Integer::toString)
                            .toList());
        }
        assertThat(sub.received()).hasSize(publishers * each);
        // once each, besides what was sent again unacknowledged (which b drops as seen)
        assertThat(a.routes.forwardedCount() - a.routes.resentCount()).isEqualTo(publishers * each);
        await().atMost(30, TimeUnit.SECONDS).until(() -> pubacks.get() == publishers * each / 2);
    }

    @Test
    void unsubscribe_onB_stopsTheMessages() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        MemoryNode.Client sub = b.node.connect("sub-b").subscribe("t/#", 1);
        MemoryNode.Client marker = b.node.connect("marker-b").subscribe("marker", 1);
        awaitKnown(a, b, "t/#", "marker");

        sub.unsubscribe("t/#");
        await().atMost(30, TimeUnit.SECONDS).until(() -> !a.routes.table().keysOf("b").contains("t/#"));
        a.node.publish("pub", "t/1", 1, false, "x");
        a.node.publish("pub", "marker", 1, false, "end");

        await().atMost(30, TimeUnit.SECONDS).until(() -> marker.received().size() == 1);
        assertThat(sub.received()).isEmpty();
        assertThat(b.routes.receivedCount()).isEqualTo(1);
    }

    @Test
    void sharedGroup_withMembersOnAAndB_getsEachMessageOnceInTotal_andBothMembersGetSome() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        ClusterNode c = node("c", 2);
        MemoryNode.Client atA = a.node.connect("worker-a").subscribe("$share/workers/jobs/#", 1);
        MemoryNode.Client atB = b.node.connect("worker-b").subscribe("$share/workers/jobs/#", 1);
        MemoryNode.Client watcher = c.node.connect("watcher-c").subscribe("jobs/#", 1); // plain, beside the group
        awaitKnown(c, a, "$share/workers/jobs/#");
        awaitKnown(c, b, "$share/workers/jobs/#");
        awaitKnown(a, b, "$share/workers/jobs/#");
        awaitKnown(a, c, "jobs/#");

        Set<String> published = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            c.node.publish("pub-c", "jobs/" + i, 1, false, "c" + i); // c has no member: a or b
            a.node.publish("pub-a", "jobs/" + i, 1, false, "a" + i); // a has one: a or b
            published.add("c" + i);
            published.add("a" + i);
        }

        await().atMost(30, TimeUnit.SECONDS).until(() -> atA.received().size() + atB.received().size() >= 40
                && watcher.received().size() == 40);
        List<String> delivered = new ArrayList<>();
        atA.received().forEach(m -> delivered.add(text(m)));
        atB.received().forEach(m -> delivered.add(text(m)));
        assertThat(delivered).hasSize(40).doesNotHaveDuplicates();
        assertThat(new HashSet<>(delivered)).isEqualTo(published);
        assertThat(atA.received()).isNotEmpty();
        assertThat(atB.received()).isNotEmpty();
        assertThat(watcher.received()).extracting(ClusterRoutesTest::text).containsExactlyInAnyOrderElementsOf(published);
    }

    @Test
    void retained_setOnA_isSeenOnB_andByANodeStartedLater_andAClearOnB_removesItEverywhere() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);

        a.node.publish("pub", "status/x", 1, true, "on");
        await().atMost(30, TimeUnit.SECONDS).until(() -> b.retained.get("status/x") != null);
        MemoryNode.Client atB = b.node.connect("sub-b").subscribe("status/#", 1);

        assertThat(atB.received()).singleElement().satisfies(m -> {
            assertThat(text(m)).isEqualTo("on");
            assertThat(m.retain()).isTrue(); // [MQTT-3.3.1-8]
        });
        ClusterNode later = node("later", 2); // catches up before it opens
        assertThat(later.retained.get("status/x")).isNotNull();
        MemoryNode.Client atLater = later.node.connect("sub-later").subscribe("status/+", 0);
        assertThat(atLater.topics()).containsExactly("status/x");
        // applied on b and the later node without being published again there
        assertThat(lastRetainedSequence()).isEqualTo(1);
        assertThat(b.routes.forwardedCount() + later.routes.forwardedCount()).isZero();

        b.node.publish("pub-b", "status/x", 1, true, ""); // [MQTT-3.3.1-6] clears it

        await().atMost(30, TimeUnit.SECONDS).until(() -> a.retained.get("status/x") == null
                && later.retained.get("status/x") == null && b.retained.get("status/x") == null);
        assertThat(a.retained.size()).isZero();
        MemoryNode.Client afterClear = a.node.connect("sub-a").subscribe("status/#", 1);
        assertThat(afterClear.received()).isEmpty();
        // the clear stays cleared for a node that starts after it
        ClusterNode latest = node("latest", 0);
        assertThat(latest.retained.size()).isZero();
    }

    private long lastRetainedSequence() throws Exception {
        try (Connection c = Nats.connect(new Options.Builder().server(nats.urls().get(0)).build())) {
            return c.jetStreamManagement().getStreamInfo(subjects.retainedStream()).getStreamState().getLastSequence();
        }
    }

    @Test
    void publishListenerInterest_makesANodeReceiveTheOthersMessagesForIt() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        List<Message> heard = new CopyOnWriteArrayList<>();
        b.node.router().addPublishListener(heard::add);

        b.node.router().addInterest("parent/#"); // what a server SDK topic queue of parent does
        awaitKnown(a, b, "parent/#");
        a.node.publish("GID_x@@@dev", "parent/dev", 1, false, "hello");

        await().atMost(30, TimeUnit.SECONDS).until(() -> heard.size() == 1);
        assertThat(heard.get(0).origin()).isEqualTo("a");
        assertThat(heard.get(0).topic()).isEqualTo("parent/dev");
    }

    @Test
    void nodeStartedLater_learnsTheInterestOfEveryNode_andTheyLearnItsInterest() throws Exception {
        ClusterNode a = node("a", 0);
        MemoryNode.Client atA = a.node.connect("sub-a").subscribe("early/#", 1);

        ClusterNode later = node("later", 1);
        MemoryNode.Client atLater = later.node.connect("sub-later").subscribe("late/#", 1);
        awaitKnown(later, a, "early/#"); // from a's snapshot, asked for at the start
        awaitKnown(a, later, "late/#");
        later.node.publish("pub", "early/1", 1, false, "to a");
        a.node.publish("pub", "late/1", 1, false, "to later");

        await().atMost(30, TimeUnit.SECONDS).until(() -> atA.received().size() == 1 && atLater.received().size() == 1);
    }

    @Test
    void deadNode_losesItsInterest_andIsLearnedAgainFromItsNextDigest() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        MemoryNode.Client atB = b.node.connect("sub-b").subscribe("t/#", 1);
        awaitKnown(a, b, "t/#");

        a.routes.dead("b"); // what NodeHeartbeats tells a survivor

        assertThat(a.routes.table().route("t/1").isEmpty()).isTrue();
        awaitKnown(a, b, "t/#"); // b's digest: unknown node, snapshot asked and received
        a.node.publish("pub", "t/1", 1, false, "again");
        await().atMost(30, TimeUnit.SECONDS).until(() -> atB.received().size() == 1);
    }

    @Test
    void restartedNode_isLearnedAnew_andWhatItHadBeforeGoes() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        b.node.connect("sub-b").subscribe("before/#", 1);
        awaitKnown(a, b, "before/#");
        b.close();
        started.remove(b);

        ClusterNode again = node("b", 2); // same name, new epoch, on another server
        MemoryNode.Client after = again.node.connect("sub-b").subscribe("after/#", 1);

        awaitKnown(a, again, "after/#");
        assertThat(a.routes.table().keysOf("b")).containsExactly("after/#");
        a.node.publish("pub", "before/1", 1, false, "old interest");
        a.node.publish("pub", "after/1", 1, false, "new interest");
        await().atMost(30, TimeUnit.SECONDS).until(() -> after.received().size() == 1);
        assertThat(again.routes.receivedCount()).isEqualTo(1);
    }

    @Test
    void p2pTopic_reachesTheTargetSessionOnAnotherNode_withoutASubscription() throws Exception {
        ClusterNode a = node("a", 0);
        ClusterNode b = node("b", 1);
        MemoryNode.Client target = b.node.connect("GID_t@@@dev-1");
        await().atMost(30, TimeUnit.SECONDS).until(() -> a.routes.nodes().contains("b"));

        a.node.publish("backend", "parent/p2p/GID_t@@@dev-1", 1, false, "direct");

        await().atMost(30, TimeUnit.SECONDS).until(() -> target.received().size() == 1);
        assertThat(text(target.received().get(0))).isEqualTo("direct");
    }
}
