package io.pulsemq.broker.routing;

import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.RetainedLimits;
import io.pulsemq.broker.retained.RetainedStore;
import io.pulsemq.broker.session.ClientConnection;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.InMemorySessionStore;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.subscription.Topics;
import io.pulsemq.protocol.DisconnectReason;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One broker's routing in memory, without Netty: subscription trie, session registry, router, retained store, and
 * clients whose connections record what they are sent. What the cluster and router tests build a node from; the
 * trie's listener, the retained store and the remote routes are the test's to choose.
 */
public final class MemoryNode implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ConcurrentHashMap<String, Session> sessionMap = new ConcurrentHashMap<>();
    private final SubscriptionTrie trie;
    private final RetainedStore retained;
    private final Router router;
    private final SessionRegistry sessions;

    public MemoryNode(SubscriptionTrie.Listener interest, RetainedStore retained, RemoteRoutes remote) {
        Clock clock = Clock.systemUTC();
        this.trie = new SubscriptionTrie(interest);
        this.retained = retained;
        this.router = new Router(trie, retained, sessionMap::get, clock, RetainedLimits.NONE, new LimitHits(), remote);
        MqttConfig mqtt = new MqttConfig(1 << 20, 100, 100, 1000, 16, Duration.ofDays(1), Duration.ofSeconds(65535),
                Duration.ofSeconds(10), 32, true, true, true);
        this.sessions = new SessionRegistry(sessionMap, trie, new InMemorySessionStore(), router::publish,
                LifecycleListener.NONE, timer, clock, mqtt);
    }

    public Router router() {
        return router;
    }

    public SubscriptionTrie trie() {
        return trie;
    }

    public RetainedStore retained() {
        return retained;
    }

    /** Connects {@code clientId} with a clean session that ends with its connection. */
    public Client connect(String clientId) {
        Client c = new Client(clientId);
        sessions.connect(new ConnectionInfo(clientId, clientId + "-conn", "127.0.0.1:1", 5, 60, true, null, 0), c, 0,
                null).session().resume();
        return c;
    }

    /** Publishes a plain message of {@code publisher} on this node. */
    public void publish(String publisher, String topic, int qos, boolean retain, String payload) {
        router.publish(Message.of(topic, qos, retain, payload.getBytes(), publisher, 0));
    }

    @Override
    public void close() {
        sessions.shutdown();
        timer.shutdownNow();
    }

    /** A connected client: subscribes as an MQTT SUBSCRIBE does and records what it is sent. */
    public final class Client implements ClientConnection {
        private final String clientId;
        private final List<Message> received = new CopyOnWriteArrayList<>();
        private final List<List<Integer>> subscriptionIds = new CopyOnWriteArrayList<>();

        private Client(String clientId) {
            this.clientId = clientId;
        }

        /** Subscribes to {@code fullFilter} ({@code $share/g/f} for a shared one) and gets the retained messages. */
        public Client subscribe(String fullFilter, int qos) {
            return subscribe(fullFilter, qos, false, false, 0);
        }

        public Client subscribe(String fullFilter, int qos, boolean noLocal, boolean retainAsPublished,
                                int subscriptionId) {
            Topics.SharedFilter parsed = Topics.parseShared(fullFilter);
            Subscription sub = new Subscription(clientId, parsed.filter(), parsed.shareName(), qos, noLocal,
                    retainAsPublished, 0, subscriptionId);
            Session session = sessions.get(clientId);
            session.subscribe(sub);
            trie.subscribe(sub);
            router.deliverRetained(session, sub);
            return this;
        }

        public void unsubscribe(String fullFilter) {
            sessions.get(clientId).unsubscribe(fullFilter);
            trie.unsubscribe(clientId, fullFilter);
        }

        /** What the client was sent, in order. */
        public List<Message> received() {
            return received;
        }

        /** The topics of what the client was sent, in order. */
        public List<String> topics() {
            List<String> topics = new ArrayList<>();
            received.forEach(m -> topics.add(m.topic()));
            return topics;
        }

        /** The subscription identifiers each message was sent with. */
        public List<List<Integer>> subscriptionIds() {
            return subscriptionIds;
        }

        @Override
        public String connectionId() {
            return clientId + "-conn";
        }

        @Override
        public int sendWindow() {
            return 65_535;
        }

        @Override
        public boolean fits(Message message, List<Integer> ids) {
            return true;
        }

        @Override
        public boolean congested() {
            return false;
        }

        @Override
        public void sendPublish(Message message, int packetId, boolean dup, List<Integer> ids) {
            received.add(message);
            subscriptionIds.add(ids);
            if (message.qos() == 1) {
                sessions.get(clientId).onPubAck(packetId);
            } else if (message.qos() == 2) {
                Session s = sessions.get(clientId);
                s.onPubRec(packetId, false);
                s.onPubComp(packetId);
            }
        }

        @Override
        public void sendPubRel(int packetId) {
        }

        @Override
        public void terminate(DisconnectReason reason) {
        }
    }
}
