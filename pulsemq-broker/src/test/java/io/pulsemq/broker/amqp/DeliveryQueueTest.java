package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The queue's decisions, driven on the test thread (the delayed redelivery alone uses the executor). */
class DeliveryQueueTest {

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final MemorySource source = new MemorySource();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private DeliveryQueue queue() {
        return new DeliveryQueue("test", source, 0, executor, Duration.ofHours(1), null);
    }

    @Test
    void entriesOfOneKey_oneAtATime_inOrder_otherKeysInParallel() {
        source.add(1, "a");
        source.add(2, "a");
        source.add(3, "b");
        DeliveryQueue q = queue();
        Recorder c = new Recorder();
        q.addConsumer(c, 0);
        assertThat(c.seqs()).containsExactly(1L, 3L); // 2 waits for 1
        q.ack(c, 1);
        assertThat(c.seqs()).containsExactly(1L, 3L, 2L);
    }

    @Test
    void committedPosition_isTheHighestWithEverythingBeforeAcknowledged() {
        for (int i = 1; i <= 3; i++) {
            source.add(i, "k" + i);
        }
        DeliveryQueue q = queue();
        Recorder c = new Recorder();
        q.addConsumer(c, 0);
        q.ack(c, 2);
        assertThat(source.committed).isEqualTo(0);
        q.ack(c, 1);
        assertThat(source.committed).isEqualTo(2);
        q.ack(c, 3);
        assertThat(source.committed).isEqualTo(3);
    }

    @Test
    void prefetch_limitsOutstanding_roundRobinAcrossConsumers() {
        for (int i = 1; i <= 4; i++) {
            source.add(i, "k" + i);
        }
        DeliveryQueue q = queue();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        q.addConsumer(a, 1);
        q.addConsumer(b, 1);
        assertThat(a.seqs()).containsExactly(1L);
        assertThat(b.seqs()).containsExactly(2L);
        q.ack(a, 1);
        assertThat(a.seqs()).containsExactly(1L, 3L);
    }

    @Test
    void channelClosed_releasedEntriesGoToAnotherConsumer_asRedelivered() {
        source.add(1, "a");
        DeliveryQueue q = queue();
        Recorder first = new Recorder();
        q.addConsumer(first, 0);
        Recorder second = new Recorder();
        q.addConsumer(second, 0);
        q.cancel(first);
        q.release(first, 1);
        assertThat(second.seqs()).containsExactly(1L);
        assertThat(second.redelivered).containsExactly(true);
    }

    @Test
    void rejectWithRequeue_redeliversAtOnce_withoutRequeue_later_neverDropped() {
        source.add(1, "a");
        source.add(2, "a");
        DeliveryQueue q = queue();
        Recorder c = new Recorder();
        q.addConsumer(c, 0);
        q.reject(c, 1, true);
        assertThat(c.seqs()).containsExactly(1L, 1L);
        q.reject(c, 1, false);
        assertThat(c.seqs()).containsExactly(1L, 1L); // delayed, and entry 2 of the same key still waits
        assertThat(q.pendingCount()).isEqualTo(2);
        assertThat(source.committed).isZero();
    }

    @Test
    void skippedEntries_advanceTheCommittedPosition() {
        source.add(5, "a");
        source.examinedUpTo = 9; // 6..9 belong to other groups
        DeliveryQueue q = queue();
        Recorder c = new Recorder();
        q.addConsumer(c, 0);
        assertThat(source.committed).isEqualTo(4);
        q.ack(c, 5);
        assertThat(source.committed).isEqualTo(9);
    }

    @Test
    void connectionCredit_boundsDeliveriesOverAllItsQueues_andAWaitingQueueGoesOnWhenOneIsSettled() {
        List<Runnable> later = new ArrayList<>();
        LimitHits hits = new LimitHits();
        DeliveryCredit credit = new DeliveryCredit(2, later::add, hits);
        MemorySource otherSource = new MemorySource();
        for (int i = 1; i <= 3; i++) {
            source.add(i, "k" + i);
            otherSource.add(i, "k" + i);
        }
        DeliveryQueue first = queue();
        DeliveryQueue second = new DeliveryQueue("other", otherSource, 0, executor, Duration.ofHours(1), null);
        Recorder a = new Recorder();
        Recorder b = new Recorder();

        first.addConsumer(a, 0, credit);
        second.addConsumer(b, 0, credit);
        assertThat(a.seqs()).containsExactly(1L, 2L); // the connection's two
        assertThat(b.seqs()).isEmpty();                // waits, although its own prefetch has room
        assertThat(hits.count(Limit.AMQP_MAX_UNACKED_PER_CONNECTION)).isEqualTo(1);

        first.ack(a, 1);
        // the settling queue refills first, and the waiting one is pumped afterwards, not inside the ack
        assertThat(a.seqs()).containsExactly(1L, 2L, 3L);
        assertThat(later).hasSize(1);
        first.ack(a, 2);
        new ArrayList<>(later).forEach(Runnable::run);
        assertThat(credit.outstanding()).isEqualTo(2);
        assertThat(b.seqs()).hasSize(1);
    }

    @Test
    void connectionCredit_releasedByAClosedChannel_comesBack() {
        DeliveryCredit credit = new DeliveryCredit(1, Runnable::run, new LimitHits());
        source.add(1, "a");
        source.add(2, "b");
        DeliveryQueue q = queue();
        Recorder gone = new Recorder();
        q.addConsumer(gone, 0, credit);
        assertThat(gone.seqs()).containsExactly(1L);

        q.cancel(gone);
        q.release(gone, 1);
        assertThat(credit.outstanding()).isZero();
    }

    private static final class Recorder implements QueueConsumer {
        final List<QueueEntry> got = new ArrayList<>();
        final List<Boolean> redelivered = new ArrayList<>();

        @Override
        public void deliver(DeliveryQueue queue, QueueEntry entry, boolean again) {
            got.add(entry);
            redelivered.add(again);
        }

        List<Long> seqs() {
            return got.stream().map(QueueEntry::seq).toList();
        }
    }

    private static final class MemorySource implements QueueSource {
        final TreeMap<Long, QueueEntry> entries = new TreeMap<>();
        long examinedUpTo;
        long committed;

        void add(long seq, String key) {
            entries.put(seq, new QueueEntry(seq, key, "q", new AMQP.BasicProperties(), new byte[0]));
            examinedUpTo = Math.max(examinedUpTo, seq);
        }

        @Override
        public long read(long afterSeq, int limit, Consumer<QueueEntry> sink) {
            entries.tailMap(afterSeq, false).values().stream().limit(limit).forEach(sink);
            return Math.max(afterSeq, examinedUpTo);
        }

        @Override
        public boolean hasMoreAfter(long seq) {
            return examinedUpTo > seq;
        }

        @Override
        public void acknowledged(long seq) {
            entries.remove(seq);
        }

        @Override
        public void commit(long seq) {
            committed = seq;
        }
    }
}
