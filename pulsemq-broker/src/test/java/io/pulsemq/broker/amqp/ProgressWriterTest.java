package io.pulsemq.broker.amqp;

import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.RocksStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress writer, with its executor run by hand so the test decides when writes happen. */
class ProgressWriterTest {

    private static final byte[] CURSOR = "status\0inst\0GID_a".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MESSAGE = "telemetry\0#1".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dataDir;

    private final List<Runnable> tasks = new ArrayList<>();
    private final Executor manual = tasks::add;

    @Test
    void putPosition_returnsBeforeTheStoreIsWritten_andTheWriterStoresIt() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            ProgressWriter progress = new ProgressWriter(store, manual);

            progress.putPosition(ColumnFamily.AMQP_CURSORS, CURSOR, 7);
            assertThat(store.get(ColumnFamily.AMQP_CURSORS, CURSOR)).isNull();

            runTasks();
            assertThat(position(store)).isEqualTo(7);
        }
    }

    @Test
    void manyPositionsWhileAWriteIsPending_oneWrite_theNewestWins() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            ProgressWriter progress = new ProgressWriter(store, manual);

            for (long p = 1; p <= 100; p++) {
                progress.putPosition(ColumnFamily.AMQP_CURSORS, CURSOR, p);
            }
            assertThat(tasks).hasSize(1);

            runTasks();
            assertThat(position(store)).isEqualTo(100);
        }
    }

    @Test
    void deleteAfterPut_andPutAfterDelete_theLaterOperationWins() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.put(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE, new byte[] {1});
            ProgressWriter progress = new ProgressWriter(store, manual);

            progress.delete(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE);
            runTasks();
            assertThat(store.get(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE)).isNull();

            progress.delete(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE);
            progress.put(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE, new byte[] {2});
            runTasks();
            assertThat(store.get(ColumnFamily.AMQP_TOPIC_MESSAGES, MESSAGE)).containsExactly(2);
        }
    }

    @Test
    void close_writesWhatIsPending_evenWhenTheWriterThreadHasStopped_andItSurvivesAReopen() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            ProgressWriter progress = new ProgressWriter(store, task -> {
                throw new RejectedExecutionException("stopped");
            });
            progress.putPosition(ColumnFamily.AMQP_CURSORS, CURSOR, 42);
            progress.close();
        }
        try (RocksStore store = RocksStore.open(dataDir)) {
            assertThat(position(store)).isEqualTo(42);
        }
    }

    private void runTasks() {
        List<Runnable> now = new ArrayList<>(tasks);
        tasks.clear();
        now.forEach(Runnable::run);
    }

    private static long position(RocksStore store) {
        byte[] v = store.get(ColumnFamily.AMQP_CURSORS, CURSOR);
        assertThat(v).isNotNull();
        return ByteBuffer.wrap(v).getLong();
    }
}
