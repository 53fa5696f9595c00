package io.pulsemq.broker.session;

import io.pulsemq.broker.routing.Message;
import io.pulsemq.broker.store.StoreException;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
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
        Session s = new Session("c", 5, 60, store, clock, 100, 10); // 10 payload bytes
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
        Session s = new Session("c", 5, 60, store, clock, 100, 10);
        Recorder conn = new Recorder(1);
        s.attach(conn, 5, 60); // stores the session
        s.detach(conn);
        s.offer(sized("a", 8), List.of());
        List<SessionStore.StoredSession> stored = new ArrayList<>();
        store.loadAll(stored::add);
        Session restored = Session.restore(stored.get(0), store, clock, 100, 10);

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
