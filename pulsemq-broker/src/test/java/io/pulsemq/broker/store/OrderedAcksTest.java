package io.pulsemq.broker.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acknowledgements of one connection: in packet order, each after its writes, and those readied elsewhere in one
 * loop task and one flush. The loop is a queue of tasks the test runs; the store's writer is a barrier whose writes
 * the test applies.
 */
class OrderedAcksTest {

    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    private final Writer writer = new Writer();
    private final List<String> sent = new ArrayList<>();
    private int flushes;
    private int drains;
    private final OrderedAcks acks = new OrderedAcks(writer, loop::add, () -> flushes++, () -> drains++);

    @Test
    void anAckWhosePacketWroteNothing_goesAtOnce_andIsFlushed() {
        long mark = acks.mark();
        assertThat(acks.sendsAtOnce(mark)).isTrue();

        acks.send(mark, () -> sent.add("1"));

        assertThat(sent).containsExactly("1");
        assertThat(flushes).isEqualTo(1);
        assertThat(loop).isEmpty();
    }

    @Test
    void anAckWaitsForItsWrites_andTheOnesAfterItWaitBehindIt() {
        long mark = acks.mark();
        writer.handOver();
        acks.send(mark, () -> sent.add("1")); // wrote: waits for the writer
        long next = acks.mark();
        assertThat(acks.sendsAtOnce(next)).isFalse(); // one waits ahead of it
        acks.send(next, () -> sent.add("2"));
        assertThat(sent).isEmpty();
        assertThat(acks.waiting()).isEqualTo(2);

        writer.apply();
        assertThat(sent).isEmpty(); // readied on the writer's thread; sent on the loop
        runLoop();

        assertThat(sent).containsExactly("1", "2");
        assertThat(drains).isEqualTo(1);
    }

    @Test
    void manyReadiedAtOnceElsewhere_goInOneLoopTaskWithOneFlush_inOrder() throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            long mark = acks.mark();
            writer.handOver();
            String id = Integer.toString(i);
            acks.send(mark, () -> sent.add(id));
        }
        int flushesBefore = flushes;

        Thread writerThread = new Thread(writer::apply); // as the store's writer (or a cluster ack) would
        writerThread.start();
        writerThread.join();

        assertThat(loop).hasSize(1);
        runLoop();
        assertThat(sent).hasSize(100).isSortedAccordingTo((a, b) -> Integer.parseInt(a) - Integer.parseInt(b));
        assertThat(flushes - flushesBefore).isEqualTo(1);
    }

    @Test
    void anAckReadiedAfterTheLoopTaskStarted_schedulesAnotherOne() {
        long first = acks.mark();
        writer.handOver();
        acks.send(first, () -> sent.add("1"));
        writer.apply();
        long second = acks.mark();
        writer.handOver();
        acks.send(second, () -> sent.add("2"));

        Runnable task = loop.poll();
        task.run(); // sends 1; 2 is not ready yet
        assertThat(sent).containsExactly("1");
        writer.apply();

        assertThat(loop).hasSize(1);
        runLoop();
        assertThat(sent).containsExactly("1", "2");
    }

    @Test
    void afterClose_nothingIsSent() throws InterruptedException {
        long mark = acks.mark();
        writer.handOver();
        acks.send(mark, () -> sent.add("1"));
        acks.close();
        CountDownLatch applied = new CountDownLatch(1);
        new Thread(() -> {
            writer.apply();
            applied.countDown();
        }).start();
        applied.await();
        runLoop();
        acks.send(acks.mark(), () -> sent.add("2"));

        assertThat(sent).isEmpty();
    }

    private void runLoop() {
        Runnable task;
        while ((task = loop.poll()) != null) {
            task.run();
        }
    }

    /** A store writer the test drives: writes handed over wait until {@link #apply}. */
    private static final class Writer implements WriteBarrier {
        private long handedOver;
        private final List<Runnable> afterWrites = new ArrayList<>();

        void handOver() {
            handedOver++;
        }

        synchronized void apply() {
            List<Runnable> due = new ArrayList<>(afterWrites);
            afterWrites.clear();
            due.forEach(Runnable::run);
        }

        @Override
        public long handedOver() {
            return handedOver;
        }

        @Override
        public synchronized void afterWrites(Runnable task) {
            afterWrites.add(task);
        }

        @Override
        public boolean congested() {
            return false;
        }

        @Override
        public void whenUncongested(Runnable task) {
            task.run();
        }
    }
}
