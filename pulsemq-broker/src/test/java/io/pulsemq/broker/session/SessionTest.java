package io.pulsemq.broker.session;

import io.pulsemq.broker.ManualClock;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.store.StoreException;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flow control, ordering and bounds of one session's outbound messages. */
class SessionTest {

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    private final InMemorySessionStore store = new InMemorySessionStore();

    /** Attaches {@code conn} the way a CONNECT does and resumes delivery, as the CONNACK does. */
    private static void attachAndResume(Session s, Recorder conn, int expiry) {
        s.attach(conn, 5, expiry);
        s.resume();
    }

    @Test
    void offer_windowFull_queuesInOrderAndSendsAsAcksArrive() {
        Session s = new Session("c", 5, 0, store, clock, 100);
        Recorder conn = new Recorder(2);
        attachAndResume(s, conn, 0);
        for (int i = 0; i < 5; i++) {
            assertThat(s.offer(msg("t/" + i, 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        }
        assertThat(conn.sent).containsExactly("t/0#1", "t/1#2"); // receive maximum 2 [MQTT-3.3.4-9]

        s.onPubAck(1);
        assertThat(conn.sent).containsExactly("t/0#1", "t/1#2", "t/2#3");
        s.onPubAck(2);
        s.onPubAck(3);
        assertThat(conn.sent).containsExactly("t/0#1", "t/1#2", "t/2#3", "t/3#4", "t/4#5");
        assertThat(s.pendingCount()).isEqualTo(2);
    }

    @Test
    void offer_queueAtLimit_dropsNewMessages() {
        Session s = new Session("c", 5, 60, store, clock, 2);
        assertThat(s.offer(msg("a", 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        assertThat(s.offer(msg("b", 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        assertThat(s.offer(msg("c", 1), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_FULL);
        assertThat(s.offer(msg("d", 0), List.of())).isEqualTo(Session.OfferResult.DROPPED_OFFLINE);
    }

    @Test
    void offer_queueAtByteLimit_dropsTheNewcomer_andRoomComesBackAsTheQueueDrains() {
        Session s = new Session("c", 5, 60, store, clock, 100, 10, Session.DEFAULT_PAGE_SIZE); // 10 payload bytes
        assertThat(s.offer(sized("a", 6), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        assertThat(s.offer(sized("b", 5), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_BYTES);
        assertThat(s.offer(sized("c", 4), List.of())).isEqualTo(Session.OfferResult.ACCEPTED); // exactly full
        assertThat(s.queuedBytes()).isEqualTo(10);

        Recorder conn = new Recorder(1);
        attachAndResume(s, conn, 60);
        assertThat(conn.sent).containsExactly("a#1"); // one in flight: it no longer counts as queued
        assertThat(s.queuedBytes()).isEqualTo(4);
        assertThat(s.offer(sized("d", 6), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        assertThat(s.offer(sized("e", 1), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_BYTES);
    }

    @Test
    void restore_countsTheQueuedBytesItLoads() {
        Session s = new Session("c", 5, 60, store, clock, 100, 10, Session.DEFAULT_PAGE_SIZE);
        Recorder conn = new Recorder(1);
        s.attach(conn, 5, 60); // stores the session
        s.detach(conn);
        s.offer(sized("a", 8), List.of());
        List<SessionStore.StoredSession> stored = new ArrayList<>();
        store.loadAll(stored::add);
        Session restored = Session.restore(stored.get(0), store, clock, 100, 10, Session.DEFAULT_PAGE_SIZE);

        assertThat(restored.queuedBytes()).isEqualTo(8);
        assertThat(restored.offer(sized("b", 3), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_BYTES);
    }

    @Test
    void offer_congestedConnection_dropsQos0ButStillSendsQos1() {
        Session s = new Session("c", 5, 0, store, clock, 100);
        Recorder conn = new Recorder(10);
        attachAndResume(s, conn, 0);
        conn.congested = true;
        assertThat(s.offer(msg("q0", 0), List.of())).isEqualTo(Session.OfferResult.DROPPED_CONGESTED);
        assertThat(s.offer(msg("q1", 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        conn.congested = false;
        assertThat(s.offer(msg("q0again", 0), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        assertThat(conn.sent).containsExactly("q1#1", "q0again#0");
    }

    @Test
    void resume_afterReconnect_resendsInflightWithDupThenQueued() {
        Session s = new Session("c", 5, 60, store, clock, 100);
        Recorder first = new Recorder(1);
        attachAndResume(s, first, 60);
        s.offer(msg("a", 1), List.of());
        s.offer(msg("b", 1), List.of());
        s.detach(first);

        Recorder second = new Recorder(10);
        attachAndResume(s, second, 60);
        assertThat(second.sent).containsExactly("a#1 dup", "b#2");
    }

    @Test
    void qos2_pubRecThenPubComp_completesAndResendsPubRelAfterReconnect() {
        Session s = new Session("c", 5, 60, store, clock, 100);
        Recorder first = new Recorder(10);
        attachAndResume(s, first, 60);
        s.offer(msg("q2", 2), List.of());
        assertThat(s.onPubRec(1, false)).isTrue();
        assertThat(first.pubRels).containsExactly(1);
        s.detach(first);

        Recorder second = new Recorder(10);
        attachAndResume(s, second, 60);
        assertThat(second.pubRels).containsExactly(1); // [MQTT-4.4.0-1]: PUBREL, not the PUBLISH, is resent
        assertThat(second.sent).isEmpty();
        assertThat(s.onPubComp(1)).isTrue();
        assertThat(s.pendingCount()).isZero();
    }

    @Test
    void offer_expiredMessage_isNotDelivered() {
        Session s = new Session("c", 5, 0, store, clock, 100);
        Recorder conn = new Recorder(10);
        attachAndResume(s, conn, 0);
        Message expired = new Message("t", 1, false, new byte[0], false, clock.millis() - 1, null, null, null,
                List.of(), "p", 0);
        assertThat(s.offer(expired, List.of())).isEqualTo(Session.OfferResult.DROPPED_EXPIRED);
        assertThat(conn.sent).isEmpty();
    }

    @Test
    void inboundQos2_retransmission_isRoutedOnce() {
        Session s = new Session("c", 5, 0, store, clock, 100);
        assertThat(s.awaitsRelease(7)).isFalse();
        s.recordInboundQos2(7);
        assertThat(s.awaitsRelease(7)).isTrue(); // [MQTT-4.3.3-10]: a retransmission is not routed again
        assertThat(s.releaseInboundQos2(7)).isTrue();
        assertThat(s.awaitsRelease(7)).isFalse();
    }

    @Test
    void inboundQos2_idTheStoreCouldNotRecord_isNotRemembered_soTheRetransmissionIsRouted() {
        SessionStore failing = (SessionStore) Proxy.newProxyInstance(SessionStore.class.getClassLoader(),
                new Class<?>[]{SessionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("saveInboundQos2")) {
                        throw new StoreException("No space left on device");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Session s = new Session("c", 5, 60, failing, clock, 100);

        assertThatThrownBy(() -> s.recordInboundQos2(7)).isInstanceOf(StoreException.class);

        assertThat(s.awaitsRelease(7)).isFalse();
        assertThat(s.inboundQos2Count()).isZero();
    }

    @Test
    void offer_persistentSessionOffline_keepsNoMessageInMemory_onlyInTheStore() {
        Session s = new Session("c", 5, 60, store, clock, 10_000, 0, 10);
        Recorder first = new Recorder(5);
        attachAndResume(s, first, 60);
        s.detach(first);

        for (int i = 0; i < 1_000; i++) {
            assertThat(s.offer(msg("t/" + i, 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        }

        assertThat(s.messagesInMemory()).isZero();
        assertThat(s.pendingCount()).isEqualTo(1_000);
        assertThat(s.queuedBytes()).isEqualTo(1_000);
        assertThat(stored("c")).hasSize(1_000);
    }

    @Test
    void detach_persistentSessionWithMessagesInFlightAndQueued_letsGoOfThemAll() {
        Session s = new Session("c", 5, 60, store, clock, 100, 0, 10);
        Recorder first = new Recorder(3);
        attachAndResume(s, first, 60);
        for (int i = 0; i < 8; i++) {
            s.offer(msg("t/" + i, 1), List.of());
        }
        assertThat(s.messagesInMemory()).isEqualTo(8);

        s.detach(first);

        assertThat(s.messagesInMemory()).isZero();
        assertThat(s.pendingCount()).isEqualTo(8);
    }

    @Test
    void reconnect_manyQueued_pagesInInOrder_neverMoreThanWindowPlusPage() {
        Session s = new Session("c", 5, 60, store, clock, 10_000, 0, 10);
        Recorder first = new Recorder(5);
        attachAndResume(s, first, 60);
        s.detach(first);
        for (int i = 0; i < 100; i++) {
            s.offer(msg("t/" + i, 1), List.of());
        }

        Recorder second = new Recorder(5);
        s.attach(second, 5, 60);
        assertThat(s.messagesInMemory()).isEqualTo(10); // one page, not the queue
        s.resume();
        int acked = 0;
        while (acked < 100) {
            assertThat(s.messagesInMemory()).isLessThanOrEqualTo(5 + 10);
            assertThat(s.onPubAck(packetId(second.sent.get(acked)))).isTrue();
            acked++;
        }

        assertThat(second.sent).extracting(SessionTest::topic).containsExactlyElementsOf(topics(0, 100));
        assertThat(second.sent).noneMatch(sent -> sent.endsWith("dup"));
        assertThat(s.pendingCount()).isZero();
        assertThat(stored("c")).isEmpty();
    }

    @Test
    void reconnect_midPage_redeliversInFlightWithDupAndSamePacketIds_thenTheRestInOrder() {
        Session s = new Session("c", 5, 60, store, clock, 10_000, 0, 4);
        Recorder first = new Recorder(3);
        attachAndResume(s, first, 60);
        s.detach(first);
        for (int i = 0; i < 20; i++) {
            s.offer(msg("t/" + i, 1), List.of());
        }
        Recorder second = new Recorder(3);
        attachAndResume(s, second, 60);
        s.onPubAck(packetId(second.sent.get(0)));
        s.onPubAck(packetId(second.sent.get(1)));
        assertThat(second.sent).extracting(SessionTest::topic).containsExactly("t/0", "t/1", "t/2", "t/3", "t/4");

        s.detach(second); // t/2, t/3, t/4 in flight, t/5 in the page, t/6.. only in the store
        assertThat(s.messagesInMemory()).isZero();
        Recorder third = new Recorder(3);
        attachAndResume(s, third, 60);

        assertThat(third.sent).containsExactly(second.sent.get(2) + " dup", second.sent.get(3) + " dup",
                second.sent.get(4) + " dup"); // [MQTT-4.4.0-1]
        ackEverySent(s, third);
        assertThat(third.sent).extracting(SessionTest::topic).containsExactlyElementsOf(topics(2, 20));
        assertThat(stored("c")).isEmpty();
    }

    @Test
    void restore_leavesMessagesInTheStore_thenDeliversEveryOneInOrderWhenTheClientReturns() {
        Session before = new Session("c", 5, 60, store, clock, 10_000, 0, 10);
        Recorder first = new Recorder(4);
        attachAndResume(before, first, 60);
        for (int i = 0; i < 30; i++) {
            before.offer(msg("t/" + i, i == 2 ? 2 : 1), List.of());
        }
        assertThat(first.sent).containsExactly("t/0#1", "t/1#2", "t/2#3", "t/3#4");
        before.onPubRec(3, false); // t/2 is QoS 2: released, awaiting PUBCOMP
        // the broker stops here, without a DISCONNECT: t/0..t/3 in flight, t/4..t/29 queued

        Session after = Session.restore(storedSession("c"), store, clock, 10_000, 0, 10);
        assertThat(after.messagesInMemory()).isZero();
        assertThat(after.pendingCount()).isEqualTo(30);
        assertThat(after.queuedBytes()).isEqualTo(26);

        Recorder back = new Recorder(4);
        attachAndResume(after, back, 60);
        assertThat(back.pubRels).containsExactly(3);
        assertThat(back.sent).containsExactly("t/0#1 dup", "t/1#2 dup", "t/3#4 dup");
        assertThat(after.onPubComp(3)).isTrue();
        ackEverySent(after, back);

        List<String> expected = new ArrayList<>(topics(0, 30));
        expected.remove("t/2"); // completed by its PUBREL, not sent again
        assertThat(back.sent).extracting(SessionTest::topic).containsExactlyElementsOf(expected);
        assertThat(after.pendingCount()).isZero();
        assertThat(stored("c")).isEmpty();
    }

    @Test
    void offer_offlineQueueAtLimit_countsWhatIsOnlyInTheStore_alsoAfterARestore() {
        Session s = new Session("c", 5, 60, store, clock, 5, 0, 2);
        Recorder first = new Recorder(1);
        attachAndResume(s, first, 60);
        s.detach(first);
        for (int i = 0; i < 5; i++) {
            assertThat(s.offer(msg("t/" + i, 1), List.of())).isEqualTo(Session.OfferResult.ACCEPTED);
        }
        assertThat(s.offer(msg("t/5", 1), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_FULL);

        Session restored = Session.restore(storedSession("c"), store, clock, 5, 0, 2);
        assertThat(restored.offer(msg("t/5", 1), List.of())).isEqualTo(Session.OfferResult.DROPPED_QUEUE_FULL);
        Recorder back = new Recorder(10);
        attachAndResume(restored, back, 60);
        assertThat(back.sent).extracting(SessionTest::topic).containsExactlyElementsOf(topics(0, 5));
    }

    @Test
    void reconnect_messageThatExpiredInTheStore_isDroppedNotDelivered() {
        ManualClock time = new ManualClock(1_000_000);
        Session s = new Session("c", 5, 60, store, time, 100, 0, 2);
        Recorder first = new Recorder(10);
        attachAndResume(s, first, 60);
        s.detach(first);
        s.offer(msg("t/0", 1), List.of());
        s.offer(new Message("t/short", 1, false, new byte[]{1}, false, time.millis() + 1_000, null, null, null,
                List.of(), "p", 0), List.of());
        s.offer(msg("t/2", 1), List.of());
        time.advance(Duration.ofMillis(5_000));

        Recorder back = new Recorder(10);
        attachAndResume(s, back, 60);

        assertThat(back.sent).extracting(SessionTest::topic).containsExactly("t/0", "t/2");
        assertThat(stored("c")).extracting(m -> m.message().topic()).containsExactly("t/0", "t/2");
    }

    @Test
    void reconnect_withExpiryZero_takesTheWholeStoredQueueIntoMemory_andDeliversItInOrder() {
        Session s = new Session("c", 5, 60, store, clock, 100, 0, 3);
        Recorder first = new Recorder(2);
        attachAndResume(s, first, 60);
        s.detach(first);
        for (int i = 0; i < 10; i++) {
            s.offer(msg("t/" + i, 1), List.of());
        }

        Recorder back = new Recorder(2);
        attachAndResume(s, back, 0); // no longer persistent: nothing stays in the store

        assertThat(stored("c")).isEmpty();
        for (int i = 0; i < 10; i++) {
            s.onPubAck(packetId(back.sent.get(i)));
        }
        assertThat(back.sent).extracting(SessionTest::topic).containsExactlyElementsOf(topics(0, 10));
    }

    @Test
    void offer_onlineWithPageFull_writesToTheStoreOnly_andSendsInOrderLater() {
        Session s = new Session("c", 5, 60, store, clock, 1_000, 0, 3);
        Recorder conn = new Recorder(2);
        attachAndResume(s, conn, 60);
        for (int i = 0; i < 20; i++) {
            s.offer(msg("t/" + i, 1), List.of());
        }
        assertThat(s.messagesInMemory()).isEqualTo(2 + 3);
        assertThat(s.pendingCount()).isEqualTo(20);

        for (int i = 0; i < 20; i++) {
            s.onPubAck(packetId(conn.sent.get(i)));
            s.offer(msg("late/" + i, 1), List.of());
            assertThat(s.messagesInMemory()).isLessThanOrEqualTo(2 + 3);
        }
        for (int i = 20; i < 40; i++) {
            s.onPubAck(packetId(conn.sent.get(i)));
        }

        List<String> expected = new ArrayList<>(topics(0, 20));
        for (int i = 0; i < 20; i++) {
            expected.add("late/" + i);
        }
        assertThat(conn.sent).extracting(SessionTest::topic).containsExactlyElementsOf(expected);
    }

    /** Acknowledges (PUBACK) every QoS 1 PUBLISH the connection got, including those sent meanwhile, in order. */
    private static void ackEverySent(Session s, Recorder conn) {
        for (int i = 0; i < conn.sent.size(); i++) {
            assertThat(s.onPubAck(packetId(conn.sent.get(i)))).as(conn.sent.get(i)).isTrue();
        }
    }

    private List<SessionStore.OutboundMessage> stored(String clientId) {
        return store.loadOutbound(clientId, Long.MIN_VALUE, Integer.MAX_VALUE);
    }

    private SessionStore.StoredSession storedSession(String clientId) {
        List<SessionStore.StoredSession> found = new ArrayList<>();
        store.loadAll(stored -> {
            if (stored.meta().clientId().equals(clientId)) {
                found.add(stored);
            }
        });
        return found.get(0);
    }

    private static List<String> topics(int from, int to) {
        List<String> topics = new ArrayList<>();
        for (int i = from; i < to; i++) {
            topics.add("t/" + i);
        }
        return topics;
    }

    /** The topic of a {@link Recorder#sent} entry. */
    private static String topic(String sent) {
        return sent.substring(0, sent.indexOf('#'));
    }

    /** The packet ID of a {@link Recorder#sent} entry. */
    private static int packetId(String sent) {
        String rest = sent.substring(sent.indexOf('#') + 1);
        int space = rest.indexOf(' ');
        return Integer.parseInt(space < 0 ? rest : rest.substring(0, space));
    }

    private static Message sized(String topic, int payloadBytes) {
        return Message.of(topic, 1, false, new byte[payloadBytes], "p", 0);
    }

    private static Message msg(String topic, int qos) {
        return Message.of(topic, qos, false, new byte[]{1}, "p", 0);
    }

    private static final class Recorder implements ClientConnection {
        boolean congested;
        final int window;
        final List<String> sent = new ArrayList<>();
        final List<Integer> pubRels = new ArrayList<>();

        Recorder(int window) {
            this.window = window;
        }

        @Override
        public String connectionId() {
            return "x";
        }

        @Override
        public int sendWindow() {
            return window;
        }

        @Override
        public boolean fits(Message message, List<Integer> subscriptionIds) {
            return true;
        }

        @Override
        public boolean congested() {
            return congested;
        }

        @Override
        public void sendPublish(Message message, int packetId, boolean dup, List<Integer> subscriptionIds) {
            sent.add(message.topic() + "#" + packetId + (dup ? " dup" : ""));
        }

        @Override
        public void sendPubRel(int packetId) {
            pubRels.add(packetId);
        }

        @Override
        public void terminate(DisconnectReason reason) {
        }
    }
}
