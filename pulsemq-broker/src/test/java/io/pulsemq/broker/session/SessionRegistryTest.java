package io.pulsemq.broker.session;

import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.retained.RetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.store.StoreException;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The lifecycle rules of {@link SessionRegistry}, without Netty. */
class SessionRegistryTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
    private final InMemorySessionStore store = new InMemorySessionStore();
    private final Router router = new Router(trie, new InMemoryRetainedStore(), map::get, Clock.systemUTC());
    private final SessionRegistry registry = new SessionRegistry(map, trie, store, router::publish, new LifecycleListener() {
        @Override
        public CompletionStage<?> connected(ConnectionInfo c) {
            events.add("connected " + c.connectionId());
            return DONE;
        }

        @Override
        public CompletionStage<?> disconnected(ConnectionInfo c, boolean clientSentDisconnect, DisconnectReason reason) {
            events.add("disconnected " + c.connectionId() + " " + reason.wireName());
            return DONE;
        }
    }, timer, Clock.systemUTC(), limits());

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void connect_sameClientId_endsOldConnectionBeforeStartingNew() {
        FakeConnection a = new FakeConnection("a");
        FakeConnection b = new FakeConnection("b");
        registry.connect(info("dev", "a", true), a, 0, null).session().resume();
        registry.connect(info("dev", "b", true), b, 0, null).session().resume();

        assertThat(events).containsExactly("connected a", "disconnected a session_taken_over", "connected b");
        assertThat(a.terminatedWith).isEqualTo(DisconnectReason.SESSION_TAKEN_OVER);
        assertThat(registry.get("dev").connection()).isSameAs(b);
    }

    @Test
    void disconnected_staleConnectionAfterTakeover_leavesNewConnectionAlone() {
        FakeConnection a = new FakeConnection("a");
        FakeConnection b = new FakeConnection("b");
        registry.connect(info("dev", "a", true), a, 0, null);
        registry.connect(info("dev", "b", true), b, 0, null);

        registry.disconnected("dev", a, false, DisconnectReason.CONNECTION_LOST, true); // a's socket closes late

        assertThat(events).containsExactly("connected a", "disconnected a session_taken_over", "connected b");
        assertThat(registry.isConnected("dev")).isTrue();
    }

    @Test
    void connect_persistentSessionResumed_keepsSubscriptionsAndQueuedMessages() {
        offlineSubscriber("dev", "t/#");

        router.publish(Message.of("t/1", 1, false, new byte[]{1}, "other", 0));

        FakeConnection b = new FakeConnection("b");
        SessionRegistry.ConnectResult resumed = registry.connect(info("dev", "b", false), b, 3600, null);
        resumed.session().resume();
        assertThat(resumed.sessionPresent()).isTrue();
        assertThat(b.published).extracting(Message::topic).containsExactly("t/1");
    }

    @Test
    void connect_cleanStart_discardsOldSession() {
        offlineSubscriber("dev", "t/#");

        SessionRegistry.ConnectResult fresh = registry.connect(info("dev", "b", true), new FakeConnection("b"), 0, null);

        assertThat(fresh.sessionPresent()).isFalse();
        assertThat(fresh.session().subscriptions()).isEmpty();
        assertThat(trie.size()).isZero();
    }

    @Test
    void kick_connectedClient_endsItWithReasonKickedAndPublishesWill() {
        Subscription watcher = new Subscription("watcher", "wills/#", null, 0, false, false, 0, 0);
        FakeConnection w = new FakeConnection("w");
        Session watching = registry.connect(info("watcher", "w", true), w, 0, null).session();
        watching.resume();
        watching.subscribe(watcher);
        trie.subscribe(watcher);
        FakeConnection a = new FakeConnection("a");
        Will will = new Will(Message.of("wills/dev", 0, false, new byte[]{9}, "dev", 0), 0);
        registry.connect(info("dev", "a", true), a, 0, will);

        assertThat(registry.kick("dev").toCompletableFuture().join()).isTrue();

        assertThat(a.terminatedWith).isEqualTo(DisconnectReason.KICKED);
        assertThat(events).contains("disconnected a kicked");
        assertThat(w.published).extracting(Message::topic).containsExactly("wills/dev");
        assertThat(registry.kick("dev").toCompletableFuture().join()).isFalse();
    }

    @Test
    void disconnected_normalDisconnect_doesNotPublishWill() {
        Subscription watcher = new Subscription("watcher", "wills/#", null, 0, false, false, 0, 0);
        FakeConnection w = new FakeConnection("w");
        Session watching = registry.connect(info("watcher", "w", true), w, 0, null).session();
        watching.resume();
        watching.subscribe(watcher);
        trie.subscribe(watcher);
        FakeConnection a = new FakeConnection("a");
        registry.connect(info("dev", "a", true), a, 0, new Will(Message.of("wills/dev", 0, false, new byte[]{9}, "dev", 0), 0));

        registry.disconnected("dev", a, true, DisconnectReason.CLIENT_DISCONNECT, false);

        assertThat(w.published).isEmpty();
        assertThat(registry.get("dev")).isNull();
    }

    @Test
    void shutdown_publishesWillsWithoutDelay_andKeepsDelayedOnesForAfterTheRestart() {
        offlineSubscriber("watcher", "wills/#");
        registry.connect(info("now", "n", true), new FakeConnection("n"), 0, will("wills/now", 0));
        registry.connect(info("later", "l", false), new FakeConnection("l"), 3600, will("wills/later", 600));
        assertThat(storedWills()).containsOnlyKeys("now", "later").allSatisfy((id, w) -> assertThat(w.armed()).isTrue());

        registry.shutdown();

        assertThat(queuedFor("watcher")).containsExactly("wills/now");
        assertThat(storedWills()).containsOnlyKeys("later");
        SessionStore.StoredWill kept = storedWills().get("later");
        assertThat(kept.message().topic()).isEqualTo("wills/later");
        assertThat(kept.dueAt()).isGreaterThan(System.currentTimeMillis() + 500_000);
    }

    @Test
    void normalDisconnect_forgetsTheStoredWill() {
        FakeConnection a = new FakeConnection("a");
        registry.connect(info("dev", "a", true), a, 0, will("wills/dev", 0));

        registry.disconnected("dev", a, true, DisconnectReason.CLIENT_DISCONNECT, false);

        assertThat(storedWills()).isEmpty();
    }

    @Test
    void restore_afterACrash_publishesArmedWills_andDelaysThoseOfPersistentSessions() {
        offlineSubscriber("watcher", "wills/#");
        // what a crash leaves: connections never ended, their wills still armed
        registry.connect(info("clean", "c", true), new FakeConnection("c"), 0, will("wills/clean", 0));
        registry.connect(info("kept", "k", false), new FakeConnection("k"), 3600, will("wills/kept", 600));

        Restarted after = new Restarted();
        after.registry.restore();

        assertThat(queuedFor("watcher")).containsExactly("wills/clean");
        assertThat(storedWills()).containsOnlyKeys("kept");
        assertThat(storedWills().get("kept").armed()).isFalse();
        assertThat(after.registry.get("kept").pendingWill).isNotNull();
    }

    @Test
    void restore_publishesAWillThatFellDueWhileDown_andForgetsIt() {
        offlineSubscriber("watcher", "wills/#");
        store.saveSession(new SessionStore.SessionMeta("dev", 5, 3600, System.currentTimeMillis()));
        store.saveWill("dev", new SessionStore.StoredWill(will("wills/dev", 0).message(), 60,
                System.currentTimeMillis() - 1));

        Restarted after = new Restarted();
        after.registry.restore();

        assertThat(queuedFor("watcher")).containsExactly("wills/dev");
        assertThat(storedWills()).isEmpty();
    }

    @Test
    void restore_thenClientBackWithinTheDelay_willIsWithdrawnForGood() {
        store.saveSession(new SessionStore.SessionMeta("dev", 5, 3600, System.currentTimeMillis()));
        store.saveWill("dev", new SessionStore.StoredWill(will("wills/dev", 0).message(), 600,
                System.currentTimeMillis() + 600_000));
        Restarted after = new Restarted();
        after.registry.restore();

        SessionRegistry.ConnectResult back = after.registry.connect(info("dev", "b", false), new FakeConnection("b"),
                3600, null);

        assertThat(back.sessionPresent()).isTrue();
        assertThat(storedWills()).isEmpty();
        assertThat(back.session().pendingWill).isNull();
    }

    @Test
    void restore_leavesQueuedMessagesOnDisk_stillQueuesNewOnes_andDeliversAllInOrderWhenTheClientReturns() {
        offlineSubscriber("dev", "t/#");
        for (int i = 0; i < 150; i++) {
            router.publish(Message.of("t/" + i, 1, false, new byte[]{1}, "other", 0));
        }
        assertThat(registry.get("dev").messagesInMemory()).isZero();

        Restarted after = new Restarted();
        after.registry.restore();
        Session restored = after.registry.get("dev");
        assertThat(restored.messagesInMemory()).isZero();
        assertThat(restored.pendingCount()).isEqualTo(150);
        for (int i = 150; i < 200; i++) { // the restored subscriptions route to the session still offline
            after.router.publish(Message.of("t/" + i, 1, false, new byte[]{1}, "other", 0));
        }
        assertThat(restored.messagesInMemory()).isZero();
        assertThat(restored.pendingCount()).isEqualTo(200);

        FakeConnection back = new FakeConnection("back");
        SessionRegistry.ConnectResult resumed = after.registry.connect(info("dev", "back", false), back, 3600, null);
        assertThat(resumed.sessionPresent()).isTrue();
        resumed.session().resume();
        for (int i = 0; i < back.packetIds.size(); i++) {
            assertThat(resumed.session().messagesInMemory()).isLessThanOrEqualTo(10 + Session.DEFAULT_PAGE_SIZE);
            assertThat(resumed.session().onPubAck(back.packetIds.get(i))).isTrue();
        }

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add("t/" + i);
        }
        assertThat(back.published).extracting(Message::topic).containsExactlyElementsOf(expected);
        assertThat(queuedFor("dev")).isEmpty();
    }

    @Test
    void restore_sessionWhoseExpiryPassedWhileDown_isDiscardedWithItsStoredMessages() {
        offlineSubscriber("dev", "t/#");
        router.publish(Message.of("t/1", 1, false, new byte[]{1}, "other", 0));
        store.saveSession(new SessionStore.SessionMeta("dev", 5, 1, System.currentTimeMillis() - 5_000));

        Restarted after = new Restarted();
        after.registry.restore();

        await().atMost(Duration.ofSeconds(30)).until(() -> after.registry.get("dev") == null);
        assertThat(queuedFor("dev")).isEmpty();
        assertThat(after.trie.size()).isZero();
    }

    /** A persistent session subscribed to {@code filter} at QoS 1 whose client is away: what reaches it is stored. */
    private void offlineSubscriber(String clientId, String filter) {
        FakeConnection c = new FakeConnection(clientId + "-conn");
        Session session = registry.connect(info(clientId, c.id, false), c, 3600, null).session();
        Subscription sub = new Subscription(clientId, filter, null, 1, false, false, 0, 0);
        session.subscribe(sub);
        trie.subscribe(sub);
        registry.disconnected(clientId, c, true, DisconnectReason.CLIENT_DISCONNECT, false);
    }

    private List<String> queuedFor(String clientId) {
        return store.loadOutbound(clientId, Long.MIN_VALUE, Integer.MAX_VALUE).stream()
                .map(o -> o.message().topic()).toList();
    }

    @Test
    void willWhosePublishFails_staysStored_soItIsNotLost() {
        RetainedStore full = new RetainedStore() {
            @Override
            public Message put(Message message) {
                throw new StoreException("No space left on device");
            }

            @Override
            public Message remove(String topic) {
                return null;
            }

            @Override
            public void match(String filter, java.util.function.Consumer<Message> sink) {
            }

            @Override
            public int size() {
                return 0;
            }

            @Override
            public long bytes() {
                return 0;
            }
        };
        Router failingRouter = new Router(trie, full, map::get, Clock.systemUTC());
        SessionRegistry failing = new SessionRegistry(map, trie, store, failingRouter::publish, LifecycleListener.NONE,
                timer, Clock.systemUTC(), limits());
        FakeConnection a = new FakeConnection("a");
        failing.connect(info("dev", "a", true), a, 0, new Will(Message.of("wills/dev", 0, true, new byte[]{9}, "dev", 0), 0));

        assertThatThrownBy(() -> failing.disconnected("dev", a, false, DisconnectReason.CONNECTION_LOST, true))
                .isInstanceOf(StoreException.class);

        assertThat(storedWills()).containsOnlyKeys("dev"); // the next start publishes it
    }

    private Map<String, SessionStore.StoredWill> storedWills() {
        Map<String, SessionStore.StoredWill> wills = new HashMap<>();
        store.loadWills(wills::put);
        return wills;
    }

    private static Will will(String topic, long delaySeconds) {
        return new Will(Message.of(topic, 1, false, new byte[]{9}, "dev", 0), delaySeconds);
    }

    /** A second broker life on the same store (a restart): fresh registry, trie and router. */
    private final class Restarted {
        final SubscriptionTrie trie = new SubscriptionTrie();
        final ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
        final Router router = new Router(trie, new InMemoryRetainedStore(), map::get, Clock.systemUTC());
        final SessionRegistry registry = new SessionRegistry(map, trie, store, router::publish, LifecycleListener.NONE, timer,
                Clock.systemUTC(), limits());
    }

    private static ConnectionInfo info(String clientId, String connectionId, boolean cleanStart) {
        return new ConnectionInfo(clientId, connectionId, "127.0.0.1:1", 5, 60, cleanStart, null, 0);
    }

    private static MqttConfig limits() {
        return new MqttConfig(1 << 20, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
    }

    /** Records what the session sends. */
    private static final class FakeConnection implements ClientConnection {
        final String id;
        final List<Message> published = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> packetIds = Collections.synchronizedList(new ArrayList<>());
        volatile DisconnectReason terminatedWith;

        FakeConnection(String id) {
            this.id = id;
        }

        @Override
        public String connectionId() {
            return id;
        }

        @Override
        public int sendWindow() {
            return 10;
        }

        @Override
        public boolean fits(Message message, List<Integer> subscriptionIds) {
            return true;
        }

        @Override
        public boolean congested() {
            return false;
        }

        @Override
        public void sendPublish(Message message, int packetId, boolean dup, List<Integer> subscriptionIds) {
            published.add(message);
            packetIds.add(packetId);
        }

        @Override
        public void sendPubRel(int packetId) {
        }

        @Override
        public void terminate(DisconnectReason reason) {
            if (terminatedWith == null) {
                terminatedWith = reason;
            }
        }
    }
}
