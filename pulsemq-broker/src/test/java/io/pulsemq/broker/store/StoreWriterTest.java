package io.pulsemq.broker.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store's writer on a real RocksDB: order, barriers, congestion and retries. A write whose batch function blocks
 * stands in for a RocksDB write stall: the writer's thread is held exactly as a stalled {@code db.write} holds it.
 */
class StoreWriterTest {

    private static final long HIGH_WATER = 4096;

    @TempDir
    Path dataDir;

    private RocksStore rocks;
    private StoreWriter writer;
    private WriterStall stall;

    @BeforeEach
    void open() {
        rocks = RocksStore.open(dataDir);
        writer = new StoreWriter(rocks, HIGH_WATER);
    }

    @AfterEach
    void close() {
        if (stall != null) {
            stall.release();
        }
        writer.close();
        rocks.close();
    }

    @Test
    void writes_toOneKey_areAppliedInTheOrderHandedOver() {
        for (int i = 0; i < 5000; i++) {
            writer.put(ColumnFamily.META, key("k"), utf8("v" + i));
        }
        writer.delete(ColumnFamily.META, key("gone"));
        writer.flush();

        assertThat(new String(rocks.get(ColumnFamily.META, key("k")), StandardCharsets.UTF_8)).isEqualTo("v4999");
        assertThat(writer.pendingBytes()).isZero();
    }

    @Test
    void afterWrites_whileTheWriterIsStalled_waitsForTheWritesHandedOverBefore() throws Exception {
        stall = WriterStall.of(writer);
        long before = writer.handedOver();
        writer.put(ColumnFamily.META, key("k"), utf8("v"));
        AtomicBoolean ran = new AtomicBoolean();
        writer.afterWrites(() -> ran.set(rocks.get(ColumnFamily.META, key("k")) != null));

        assertThat(writer.handedOver()).isEqualTo(before + 1);
        assertThat(ran).isFalse();
        assertThat(rocks.get(ColumnFamily.META, key("k"))).isNull();

        stall.release();
        await().atMost(30, TimeUnit.SECONDS).untilTrue(ran); // and the write was visible when it ran
    }

    @Test
    void afterWrites_withNothingWaiting_runsOnTheCallersThread_andBehindAWaitingOneItWaits() throws Exception {
        writer.put(ColumnFamily.META, key("k"), utf8("v"));
        writer.flush();
        await().atMost(30, TimeUnit.SECONDS).until(() -> writer.unfinished() == 0); // flush's own task is done
        List<String> ranOn = new CopyOnWriteArrayList<>();
        writer.afterWrites(() -> ranOn.add(Thread.currentThread().getName()));
        assertThat(ranOn).containsExactly(Thread.currentThread().getName());

        stall = WriterStall.of(writer);
        writer.afterWrites(() -> ranOn.add("behind the stall"));
        writer.afterWrites(() -> ranOn.add("after it")); // nothing written, but a task waits ahead of it
        assertThat(ranOn).hasSize(1);
        stall.release();
        await().atMost(30, TimeUnit.SECONDS).until(() -> ranOn.size() == 3);
        assertThat(ranOn.subList(1, 3)).containsExactly("behind the stall", "after it");
    }

    @Test
    void afterWrites_runInTheOrderGiven() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        stall = WriterStall.of(writer);
        for (int i = 0; i < 100; i++) {
            int n = i;
            if (i % 3 == 0) {
                writer.put(ColumnFamily.META, key("k" + i), utf8("v"));
            }
            writer.afterWrites(() -> order.add(n));
        }
        stall.release();
        writer.flush();

        assertThat(order).hasSize(100).isSorted();
    }

    @Test
    void congested_pastTheHighWaterMark_untilTheWriterDrainsBelowHalfOfIt() throws Exception {
        stall = WriterStall.of(writer);
        AtomicBoolean uncongested = new AtomicBoolean();
        writer.put(ColumnFamily.META, key("a"), new byte[(int) HIGH_WATER]);
        assertThat(writer.congested()).isTrue();
        writer.whenUncongested(() -> uncongested.set(true));
        assertThat(uncongested).isFalse();

        stall.release();

        await().atMost(30, TimeUnit.SECONDS).untilTrue(uncongested);
        assertThat(writer.congested()).isFalse();
        AtomicBoolean atOnce = new AtomicBoolean();
        writer.whenUncongested(() -> atOnce.set(true));
        assertThat(atOnce).isTrue();
    }

    @Test
    void refusedBatch_isRetriedUntilStored_andNothingBehindItOvertakesIt() {
        AtomicInteger attempts = new AtomicInteger();
        writer.write(batch -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new StoreException("No space left on device (test)");
            }
            batch.put(ColumnFamily.META, key("first"), utf8("1"));
        }, 16);
        writer.put(ColumnFamily.META, key("second"), utf8("2"));
        AtomicBoolean firstWasThere = new AtomicBoolean();
        writer.afterWrites(() -> firstWasThere.set(rocks.get(ColumnFamily.META, key("first")) != null));

        writer.flush();

        assertThat(attempts).hasValue(4);
        assertThat(writer.failures()).isEqualTo(3);
        assertThat(writer.failure()).isEmpty();
        assertThat(firstWasThere).isTrue();
        assertThat(rocks.get(ColumnFamily.META, key("second"))).isEqualTo(utf8("2"));
    }

    @Test
    void failure_isReportedWhileTheStoreRefuses() {
        CountDownLatch refusing = new CountDownLatch(1);
        AtomicBoolean refuse = new AtomicBoolean(true);
        writer.write(batch -> {
            if (refuse.get()) {
                refusing.countDown();
                throw new StoreException("No space left on device (test)");
            }
        }, 16);
        await().atMost(30, TimeUnit.SECONDS).until(() -> writer.failure().isPresent());
        assertThat(writer.failure()).hasValueSatisfying(f -> assertThat(f).contains("No space left"));

        refuse.set(false);

        await().atMost(30, TimeUnit.SECONDS).until(() -> writer.failure().isEmpty());
    }

    @Test
    void writeWhoseFunctionIsBroken_isSkipped_andTheOthersAreStored() {
        writer.put(ColumnFamily.META, key("before"), utf8("1"));
        writer.write(batch -> {
            throw new IllegalStateException("a bug (test)");
        }, 16);
        writer.put(ColumnFamily.META, key("after"), utf8("2"));
        writer.flush();

        assertThat(rocks.get(ColumnFamily.META, key("before"))).isEqualTo(utf8("1"));
        assertThat(rocks.get(ColumnFamily.META, key("after"))).isEqualTo(utf8("2"));
        assertThat(writer.pendingBytes()).isZero();
    }

    private static byte[] key(String k) {
        return utf8("test." + k);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
