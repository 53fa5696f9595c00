package io.pulsemq.it;

import io.nats.client.Connection;
import io.pulsemq.broker.cluster.NatsCluster;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What cluster mode (issue 14) builds on, pinned against the nats-server {@code .ci/run} installs (Debian's 2.9.x)
 * in a real three-server JetStream cluster: a compare-and-set on one subject's last sequence, one stream sequence
 * across all subjects, and acknowledged writes that survive the loss of a server. The JetStream status log's
 * guarantees (gap-free versions per client, a stale node that cannot append, cluster-wide offsets) are exactly these
 * properties; if a server upgrade changed one of them, this fails before the broker's tests do.
 */
class JetStreamAssumptionsIT {

    private static final String STREAM = "ASSUME";

    private static NatsCluster nats;
    private static Connection connection;
    private static JetStream js;
    private static JetStreamManagement jsm;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsCluster.threeNodes();
        connection = Nats.connect(new Options.Builder().servers(nats.urls().toArray(new String[0]))
                .maxReconnects(-1).connectionTimeout(Duration.ofSeconds(5)).build());
        jsm = connection.jetStreamManagement();
        js = connection.jetStream();
        StreamConfiguration stream = StreamConfiguration.builder().name(STREAM).subjects("assume.>")
                .storageType(StorageType.File).replicas(3).build();
        // the servers elect a JetStream meta leader first; until then the stream cannot be created
        await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() -> jsm.addStream(stream) != null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void expectedLastSubjectSequence_fencesAWriterThatMissedANewerWrite() throws Exception {
        long first = publish("assume.cas.a", 0); // 0: the subject must have no message yet
        long second = publish("assume.cas.a", first);

        assertThat(second).isGreaterThan(first);
        assertThatThrownBy(() -> publish("assume.cas.a", first)) // a writer still at the first write
                .isInstanceOf(JetStreamApiException.class)
                .hasMessageContaining("wrong last sequence");
        assertThatThrownBy(() -> publish("assume.cas.a", 0)).isInstanceOf(JetStreamApiException.class);
        // the expectation is per subject: another subject's first write passes though the stream has messages
        assertThat(publish("assume.cas.b", 0)).isGreaterThan(second);
    }

    /**
     * What the status log adds to the compare-and-set: appends in flight at once from writers on different servers
     * may all pass {@code Nats-Expected-Last-Subject-Sequence} on a clustered 2.9 stream, as its leader checks it
     * against what it has applied, not what it has proposed (the cluster test of the broker saw two events with the same
     * version before the message ID was added). A message ID naming the version claimed lets one of them in: the
     * duplicate check is made as each message is proposed.
     */
    @Test
    void racingWritersWithOneMessageId_oneIsStored() throws Exception {
        List<Connection> writers = new ArrayList<>();
        try {
            for (String url : nats.urls()) {
                writers.add(Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5))
                        .build()));
            }
            long last = 0;
            for (int round = 1; round <= 100; round++) {
                PublishOptions claim = PublishOptions.builder().expectedLastSubjectSequence(last)
                        .messageId("assume.race:" + round).build();
                List<java.util.concurrent.CompletableFuture<PublishAck>> acks = new ArrayList<>();
                for (Connection w : writers) {
                    acks.add(w.jetStream().publishAsync("assume.race", bytes("r" + round), claim));
                }
                List<Long> stored = new ArrayList<>();
                for (java.util.concurrent.CompletableFuture<PublishAck> ack : acks) {
                    try {
                        PublishAck a = ack.get(30, TimeUnit.SECONDS);
                        if (!a.isDuplicate()) {
                            stored.add(a.getSeqno());
                        }
                    } catch (java.util.concurrent.ExecutionException refused) {
                        // the compare-and-set caught it
                    }
                }
                assertThat(stored).as("round %d", round).hasSize(1);
                last = stored.get(0);
            }
            assertThat(jsm.getStreamInfo(STREAM, io.nats.client.api.StreamInfoOptions.filterSubjects("assume.race"))
                    .getStreamState().getSubjects().get(0).getCount()).isEqualTo(100);
        } finally {
            for (Connection w : writers) {
                w.close();
            }
        }
    }

    @Test
    void streamSequence_isOneOrderAcrossSubjects() throws Exception {
        List<Long> sequences = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sequences.add(js.publish("assume.order." + (i % 3), bytes("m" + i)).getSeqno());
        }

        assertThat(sequences).isSorted().doesNotHaveDuplicates();
        for (int i = 0; i < sequences.size(); i++) {
            String read = new String(jsm.getMessage(STREAM, sequences.get(i)).getData(), StandardCharsets.UTF_8);
            assertThat(read).isEqualTo("m" + i);
        }
    }

    @Test
    void acknowledgedWrites_surviveTheLossOfTheStreamLeader() throws Exception {
        List<Long> acked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            acked.add(js.publish("assume.durable", bytes("d" + i)).getSeqno());
        }
        String leader = jsm.getStreamInfo(STREAM).getClusterInfo().getLeader();
        int killed = indexOf(leader);

        nats.kill(killed);
        try {
            // the two survivors elect a new leader and keep every acknowledged write
            await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() -> {
                for (int i = 0; i < acked.size(); i++) {
                    assertThat(new String(jsm.getMessage(STREAM, acked.get(i)).getData(), StandardCharsets.UTF_8))
                            .isEqualTo("d" + i);
                }
            });
            PublishAck after = await().atMost(60, TimeUnit.SECONDS).ignoreExceptions()
                    .until(() -> js.publish("assume.durable", bytes("after")), a -> a != null);
            assertThat(after.getSeqno()).isGreaterThan(acked.get(acked.size() - 1));
        } finally {
            nats.restart(killed);
        }
    }

    private static long publish(String subject, long expectedLastSubjectSequence) throws Exception {
        PublishAck ack = js.publish(subject, bytes(subject),
                PublishOptions.builder().expectedLastSubjectSequence(expectedLastSubjectSequence).build());
        return ack.getSeqno();
    }

    private static int indexOf(String serverName) {
        for (int i = 0; i < nats.servers().size(); i++) {
            if (nats.servers().get(i).name().equals(serverName)) {
                return i;
            }
        }
        throw new AssertionError("no server named " + serverName);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
