package io.pulsemq.broker.amqp;

import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AmqpConfig;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queues of (access key, parent topic) on a real store: what each key's queue holds, and what a restart with
 * other keys or rules deletes. Queue work runs on one executor thread, as in the broker.
 */
class TopicQueuesTest {

    private static final AccessKey CAR = new AccessKey("AK_CAR", "car-server-secret-16", AccessKey.Role.SERVER,
            List.of("GID_car*"));
    private static final AccessKey BIKE = new AccessKey("AK_BIKE", "bike-server-secret-16", AccessKey.Role.SERVER,
            List.of("GID_bike"));
    private static final AccessKey ADMIN = new AccessKey("AK_ADMIN", "admin-secret-16chars", AccessKey.Role.ADMIN,
            List.of());
    private static final List<AccessKey> KEYS = List.of(CAR, BIKE, ADMIN);

    @TempDir
    Path dataDir;

    private final ScheduledExecutorService queueThread = Executors.newSingleThreadScheduledExecutor();
    private final List<String> interest = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        queueThread.shutdownNow();
    }

    @Test
    void eachKeyHasItsOwnQueue_holdingTheGroupsItSees_andBackendMessages() throws Exception {
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            Recorder car = consume(topics, CAR, "telemetry");
            Recorder bike = consume(topics, BIKE, "telemetry");
            Recorder admin = consume(topics, ADMIN, "telemetry");

            topics.published(message("GID_car_eu@@@vin1", "telemetry/speed", "car"));
            topics.published(message("GID_bike@@@b1", "telemetry", "bike"));
            topics.published(message("", "telemetry/fleet", "backend"));
            topics.published(message("GID_car@@@vin2", "other/x", "elsewhere"));
            settle(store); // written, and the queue thread has handled the appends

            assertThat(car.payloads).containsExactly("car", "backend");
            assertThat(bike.payloads).containsExactly("bike", "backend");
            assertThat(admin.payloads).containsExactly("car", "bike", "backend");
        }
    }

    @Test
    void firstQueueOfAParentTopic_storedOrNew_declaresInterestInItsTopics_once() throws Exception {
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            onQueues(() -> topics.queue(CAR, "telemetry"));
            onQueues(() -> topics.queue(ADMIN, "telemetry"));
            onQueues(() -> topics.queue(CAR, "alerts"));
            assertThat(interest).containsExactly("telemetry/#", "alerts/#");

            interest.clear();
            open(store, KEYS, Authorizer.allowAll()); // a restart loads the stored queues

            assertThat(interest).containsExactlyInAnyOrder("telemetry/#", "alerts/#");
        }
    }

    @Test
    void acknowledgementsOfOneKey_leaveAnotherKeysMessages() throws Exception {
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            Recorder car = consume(topics, CAR, "telemetry");
            topics.published(message("GID_car@@@vin1", "telemetry", "m1"));
            settle(store);
            onQueues(() -> {
                car.ackAll();
                return null;
            });

            Recorder admin = consume(topics, ADMIN, "telemetry");
            topics.published(message("GID_car@@@vin1", "telemetry", "m2"));
            settle(store);

            assertThat(car.payloads).containsExactly("m1", "m2");
            assertThat(admin.payloads).containsExactly("m2"); // its queue began at its first consume
        }
    }

    @Test
    void restart_queueOfARemovedKey_isDeletedWithItsMessages() throws Exception {
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            onQueues(() -> topics.queue(BIKE, "telemetry"));
            onQueues(() -> topics.queue(CAR, "telemetry"));
            topics.published(message("", "telemetry", "stored"));
        }
        try (Stores store = new Stores()) {
            open(store, List.of(CAR, ADMIN), Authorizer.allowAll());
        }
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            assertThat(consume(topics, BIKE, "telemetry").payloads).isEmpty();
            assertThat(consume(topics, CAR, "telemetry").payloads).containsExactly("stored");
        }
    }

    @Test
    void restart_queueTheRulesNoLongerLetItsKeyRead_isDeletedWithItsMessages() throws Exception {
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, KEYS, Authorizer.allowAll());
            onQueues(() -> topics.queue(BIKE, "telemetry"));
            topics.published(message("GID_bike@@@b1", "telemetry", "stored"));
        }
        Authorizer bikeDenied = new Authorizer(new AuthorizationConfig(Decision.ALLOW, List.of(
                new AuthorizationRule(null, Action.SUBSCRIBE, List.of("telemetry/#"), List.of("AK_BIKE"), null, null,
                        null))));
        try (Stores store = new Stores()) {
            open(store, KEYS, bikeDenied);
        }
        try (Stores store = new Stores()) {
            assertThat(consume(open(store, KEYS, Authorizer.allowAll()), BIKE, "telemetry").payloads).isEmpty();
        }
    }

    @Test
    void restart_keyWithFewerGroups_storedMessagesOfTheOthersAreNotDelivered() throws Exception {
        AccessKey wide = new AccessKey(CAR.id(), CAR.secret(), AccessKey.Role.SERVER, List.of("*"));
        try (Stores store = new Stores()) {
            TopicQueues topics = open(store, List.of(wide), Authorizer.allowAll());
            onQueues(() -> topics.queue(wide, "telemetry"));
            topics.published(message("GID_bike@@@b1", "telemetry", "bike"));
            topics.published(message("GID_car@@@vin1", "telemetry", "car"));
        }
        try (Stores store = new Stores()) {
            assertThat(consume(open(store, KEYS, Authorizer.allowAll()), CAR, "telemetry").payloads)
                    .containsExactly("car");
        }
    }

    @Test
    void start_queuesOfTheEarlierLayout_onePerParentTopic_areDeleted() throws Exception {
        byte[] cursor = "topic\0telemetry".getBytes(StandardCharsets.UTF_8);
        byte[] stored = ByteBuffer.allocate(18).put("telemetry\0".getBytes(StandardCharsets.UTF_8)).putLong(1).array();
        try (Stores store = new Stores()) {
            store.rocks.put(ColumnFamily.AMQP_CURSORS, cursor, ByteBuffer.allocate(8).putLong(0).array());
            store.rocks.put(ColumnFamily.AMQP_TOPIC_MESSAGES, stored, new byte[] {1});

            open(store, KEYS, Authorizer.allowAll());

            assertThat(store.rocks.get(ColumnFamily.AMQP_CURSORS, cursor)).isNull();
            assertThat(store.rocks.get(ColumnFamily.AMQP_TOPIC_MESSAGES, stored)).isNull();
        }
    }

    private TopicQueues open(Stores store, List<AccessKey> keys, Authorizer rules) throws Exception {
        ProgressWriter progress = new ProgressWriter(store.rocks, Runnable::run);
        return onQueues(() -> new TopicQueues(store.rocks, store.writer, progress, queueThread, AmqpConfig.defaults(),
                Clock.systemUTC(), keys, rules, interest::add));
    }

    /** Waits until the appends so far are written and the queue thread has handed them to the consumers. */
    private void settle(Stores store) throws Exception {
        store.writer.flush();
        onQueues(() -> null); // the writer notifies the queue thread once a message is written
        onQueues(() -> null);
    }

    /** The store and its writer, as the broker opens them; closing writes what is pending, then closes the store. */
    private final class Stores implements AutoCloseable {
        final RocksStore rocks = RocksStore.open(dataDir);
        final StoreWriter writer = new StoreWriter(rocks, 1 << 20);

        @Override
        public void close() {
            writer.close();
            rocks.close();
        }
    }

    private Recorder consume(TopicQueues topics, AccessKey key, String parent) throws Exception {
        Recorder r = new Recorder();
        onQueues(() -> {
            r.queue = topics.queue(key, parent);
            r.queue.addConsumer(r, 0);
            return null;
        });
        return r;
    }

    private <T> T onQueues(Callable<T> task) throws Exception {
        return queueThread.submit(task).get(30, TimeUnit.SECONDS);
    }

    private static Message message(String publisherId, String topic, String payload) {
        return Message.of(topic, 1, false, payload.getBytes(StandardCharsets.UTF_8), publisherId, 1);
    }

    /** A consumer that records each delivery's payload; acknowledges only when told (on the queue thread). */
    private static final class Recorder implements QueueConsumer {
        final List<String> payloads = new CopyOnWriteArrayList<>();
        final List<Long> unacked = new CopyOnWriteArrayList<>();
        DeliveryQueue queue;

        @Override
        public void deliver(DeliveryQueue from, QueueEntry entry, boolean redelivered) {
            payloads.add(new String(entry.body(), StandardCharsets.UTF_8));
            unacked.add(entry.seq());
        }

        void ackAll() {
            for (Long seq : unacked) {
                queue.ack(this, seq);
            }
            unacked.clear();
        }
    }
}
