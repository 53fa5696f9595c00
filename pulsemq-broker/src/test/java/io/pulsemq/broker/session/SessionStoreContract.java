package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.SessionStore.OutboundMessage;
import io.pulsemq.broker.session.SessionStore.OutboundState;
import io.pulsemq.broker.session.SessionStore.OutboundSummary;
import io.pulsemq.broker.session.SessionStore.SessionMeta;
import io.pulsemq.broker.session.SessionStore.StoredSession;
import io.pulsemq.broker.session.SessionStore.StoredWill;
import io.pulsemq.broker.subscription.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link SessionStore} must do; each implementation's test extends this.
 */
public abstract class SessionStoreContract {

    protected SessionStore store;

    /** A new, empty store; called before each test. */
    protected abstract SessionStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Test
    void loadAll_emptyStore_passesNothing() {
        assertThat(loadAll()).isEmpty();
    }

    @Test
    void loadAll_savedSession_returnsItComplete() {
        saveFullSession("sensor-1");

        StoredSession loaded = loadAll().get("sensor-1");

        assertThat(loaded.meta()).isEqualTo(meta("sensor-1"));
        assertThat(loaded.subscriptions()).containsExactlyInAnyOrder(
                subscription("sensor-1", "cmd/#", null), subscription("sensor-1", "cmd/#", "group"));
        assertThat(loaded.outbound()).isEqualTo(new OutboundSummary(1, "payload-1".length(), 1, 1, 2));
        List<OutboundMessage> outbound = outbound("sensor-1");
        assertThat(outbound).extracting(OutboundMessage::seq).containsExactly(1L, 2L);
        assertThat(outbound.get(1).subscriptionIds()).containsExactly(7, 9);
        assertThat(outbound.get(1).state()).isEqualTo(OutboundState.SENT);
        assertThat(outbound.get(1).packetId()).isEqualTo(12);
        assertThat(new String(outbound.get(0).message().payload(), StandardCharsets.UTF_8))
                .isEqualTo("payload-1");
        assertThat(loaded.inboundQos2()).containsExactly(10, 11);
    }

    @Test
    void saveSession_again_replacesMeta() {
        store.saveSession(meta("c"));
        store.saveSession(new SessionMeta("c", 4, 60, 1234));

        assertThat(loadAll().get("c").meta()).isEqualTo(new SessionMeta("c", 4, 60, 1234));
    }

    @Test
    void saveSubscription_sameFullFilter_replacesIt() {
        store.saveSession(meta("c"));
        store.saveSubscription(subscription("c", "a/b", null));
        store.saveSubscription(new Subscription("c", "a/b", null, 2, true, true, 2, 42));

        assertThat(loadAll().get("c").subscriptions())
                .containsExactly(new Subscription("c", "a/b", null, 2, true, true, 2, 42));
    }

    @Test
    void removeSubscription_removesOnlyThatFullFilter() {
        store.saveSession(meta("c"));
        store.saveSubscription(subscription("c", "a/b", null));
        store.saveSubscription(subscription("c", "a/b", "g"));
        store.saveSubscription(subscription("c", "a/b/c", null));

        store.removeSubscription("c", "$share/g/a/b");

        assertThat(loadAll().get("c").subscriptions()).containsExactlyInAnyOrder(
                subscription("c", "a/b", null), subscription("c", "a/b/c", null));
    }

    @Test
    void loadAll_outboundSavedOutOfOrder_returnsThemInSeqOrder() {
        store.saveSession(meta("c"));
        for (long seq : new long[] {300, 2, 70_000, 0, 256, Long.MAX_VALUE, 1, 255}) {
            store.saveOutbound("c", outbound(seq));
        }

        assertThat(outbound("c")).extracting(OutboundMessage::seq)
                .containsExactly(0L, 1L, 2L, 255L, 256L, 300L, 70_000L, Long.MAX_VALUE);
        OutboundSummary summary = loadAll().get("c").outbound();
        assertThat(summary.queued()).isEqualTo(8);
        assertThat(summary.firstSeq()).isZero();
        assertThat(summary.lastSeq()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void saveOutbound_sameSeq_replacesItsState() {
        store.saveSession(meta("c"));
        OutboundMessage queued = outbound(5);
        store.saveOutbound("c", queued);
        store.saveOutbound("c", queued.with(OutboundState.RELEASED, 77));

        assertThat(outbound("c")).singleElement().satisfies(message -> {
            assertThat(message.state()).isEqualTo(OutboundState.RELEASED);
            assertThat(message.packetId()).isEqualTo(77);
        });
    }

    @Test
    void removeOutbound_removesOnlyThatSeq() {
        store.saveSession(meta("c"));
        store.saveOutbound("c", outbound(1));
        store.saveOutbound("c", outbound(2));
        store.saveOutbound("c", outbound(3));

        store.removeOutbound("c", 2);

        assertThat(outbound("c")).extracting(OutboundMessage::seq).containsExactly(1L, 3L);
        assertThat(loadAll().get("c").outbound().count()).isEqualTo(2);
    }

    @Test
    void inboundQos2_savedAndRemoved_loadsRemainingAscending() {
        store.saveSession(meta("c"));
        for (int packetId : new int[] {65_535, 256, 1, 2}) {
            store.saveInboundQos2("c", packetId);
        }
        store.removeInboundQos2("c", 2);

        assertThat(loadAll().get("c").inboundQos2()).containsExactly(1, 256, 65_535);
    }

    @Test
    void removeSession_clientIdPrefixOfAnother_removesOnlyThatClient() {
        saveFullSession("a");
        saveFullSession("ab");
        saveFullSession("b");

        store.removeSession("a");

        Map<String, StoredSession> loaded = loadAll();
        assertThat(loaded).containsOnlyKeys("ab", "b");
        for (StoredSession session : loaded.values()) {
            assertThat(session.subscriptions()).hasSize(2);
            assertThat(session.outbound().count()).isEqualTo(2);
            assertThat(outbound(session.meta().clientId())).hasSize(2);
            assertThat(session.inboundQos2()).hasSize(2);
        }
        assertThat(outbound("a")).isEmpty();
    }

    @Test
    void removeSession_thenSavedAgain_startsEmpty() {
        saveFullSession("c");

        store.removeSession("c");
        store.saveSession(meta("c"));

        StoredSession loaded = loadAll().get("c");
        assertThat(loaded.subscriptions()).isEmpty();
        assertThat(loaded.outbound()).isEqualTo(OutboundSummary.EMPTY);
        assertThat(outbound("c")).isEmpty();
        assertThat(loaded.inboundQos2()).isEmpty();
    }

    @Test
    void loadAll_recordsOfClientWithoutSession_areNotPassed() {
        saveFullSession("a");
        store.saveSubscription(subscription("b", "x", null));
        store.saveOutbound("b", outbound(1));
        store.saveInboundQos2("b", 3);
        saveFullSession("c");
        store.saveOutbound("d", outbound(1));

        Map<String, StoredSession> loaded = loadAll();

        assertThat(loaded).containsOnlyKeys("a", "c");
        assertThat(loaded.get("c").subscriptions()).hasSize(2);
        assertThat(loaded.get("c").outbound().count()).isEqualTo(2);
    }

    @Test
    void loadAll_summarizesOutboundByState_withPayloadBytesOfTheQueuedOnes() {
        store.saveSession(meta("c"));
        store.saveOutbound("c", outbound(3).with(OutboundState.SENT, 1));
        store.saveOutbound("c", outbound(4).with(OutboundState.RELEASED, 2));
        store.saveOutbound("c", outbound(5));
        store.saveOutbound("c", new OutboundMessage(6, 0, OutboundState.QUEUED,
                Message.of("t", 1, false, new byte[1000], "p", 0), List.of()));
        store.saveOutbound("c", new OutboundMessage(7, 0, OutboundState.QUEUED,
                Message.of("t", 1, false, null, "p", 0), List.of()));

        assertThat(loadAll().get("c").outbound())
                .isEqualTo(new OutboundSummary(3, "payload-5".length() + 1000, 2, 3, 7));
    }

    @Test
    void loadOutbound_fromSeqWithLimit_returnsThatPageInSeqOrder() {
        store.saveSession(meta("c"));
        for (long seq = 10; seq >= 1; seq--) {
            store.saveOutbound("c", outbound(seq));
        }
        store.removeOutbound("c", 5);

        assertThat(store.loadOutbound("c", 1, 3)).extracting(OutboundMessage::seq).containsExactly(1L, 2L, 3L);
        assertThat(store.loadOutbound("c", 4, 3)).extracting(OutboundMessage::seq).containsExactly(4L, 6L, 7L);
        assertThat(store.loadOutbound("c", 8, 100)).extracting(OutboundMessage::seq).containsExactly(8L, 9L, 10L);
        assertThat(store.loadOutbound("c", 11, 100)).isEmpty();
        assertThat(new String(store.loadOutbound("c", 9, 1).get(0).message().payload(), StandardCharsets.UTF_8))
                .isEqualTo("payload-9");
    }

    @Test
    void loadOutbound_clientIdPrefixOfAnother_returnsOnlyThatClientsMessages() {
        store.saveSession(meta("a"));
        store.saveSession(meta("ab"));
        store.saveOutbound("a", outbound(1));
        store.saveOutbound("ab", outbound(1));
        store.saveOutbound("ab", outbound(2));

        assertThat(store.loadOutbound("a", 0, 100)).extracting(OutboundMessage::seq).containsExactly(1L);
        assertThat(store.loadOutbound("ab", 2, 100)).extracting(OutboundMessage::seq).containsExactly(2L);
        assertThat(store.loadOutbound("nobody", 0, 100)).isEmpty();
    }

    @Test
    void loadAll_unicodeClientIdAndFilter_roundTrip() {
        String clientId = "客户端-ü-🚀";
        store.saveSession(meta(clientId));
        store.saveSubscription(subscription(clientId, "温度/+/€", null));

        assertThat(loadAll().get(clientId).subscriptions())
                .containsExactly(subscription(clientId, "温度/+/€", null));
    }

    @Test
    void wills_savedReplacedAndRemoved_withOrWithoutASession() {
        saveFullSession("a");
        store.saveWill("a", new StoredWill(outbound(1).message(), 60, 0));
        store.saveWill("a", new StoredWill(outbound(2).message(), 60, 2_000));
        store.saveWill("clean", new StoredWill(outbound(1).message(), 0, 0));
        store.saveWill("gone", new StoredWill(outbound(1).message(), 0, 0));
        store.removeWill("gone");

        Map<String, StoredWill> wills = loadWills();

        assertThat(wills).containsOnlyKeys("a", "clean");
        assertThat(wills.get("a").dueAt()).isEqualTo(2_000);
        assertThat(wills.get("a").armed()).isFalse();
        assertThat(wills.get("a").delaySeconds()).isEqualTo(60);
        assertThat(wills.get("a").message().topic()).isEqualTo("t/2");
        assertThat(new String(wills.get("a").message().payload(), StandardCharsets.UTF_8)).isEqualTo("payload-2");
        assertThat(wills.get("clean").armed()).isTrue();
        assertThat(loadAll().get("a").subscriptions()).hasSize(2);

        store.removeSession("a"); // a session's will goes with it
        assertThat(loadWills()).containsOnlyKeys("clean");
    }

    private Map<String, StoredWill> loadWills() {
        Map<String, StoredWill> wills = new HashMap<>();
        store.loadWills(wills::put);
        return wills;
    }

    /** Every outbound message stored for {@code clientId}, in sequence order. */
    protected List<OutboundMessage> outbound(String clientId) {
        return store.loadOutbound(clientId, Long.MIN_VALUE, Integer.MAX_VALUE);
    }

    protected Map<String, StoredSession> loadAll() {
        Map<String, StoredSession> sessions = new HashMap<>();
        store.loadAll(session -> sessions.put(session.meta().clientId(), session));
        return sessions;
    }

    protected void saveFullSession(String clientId) {
        store.saveSession(meta(clientId));
        store.saveSubscription(subscription(clientId, "cmd/#", null));
        store.saveSubscription(subscription(clientId, "cmd/#", "group"));
        store.saveOutbound(clientId, outbound(2).with(OutboundState.SENT, 12));
        store.saveOutbound(clientId, outbound(1));
        store.saveInboundQos2(clientId, 11);
        store.saveInboundQos2(clientId, 10);
    }

    protected static SessionMeta meta(String clientId) {
        return new SessionMeta(clientId, 5, 3600, 0);
    }

    protected static Subscription subscription(String clientId, String filter, String shareName) {
        return new Subscription(clientId, filter, shareName, 1, false, false, 0, 0);
    }

    protected static OutboundMessage outbound(long seq) {
        Message message = Message.of("t/" + seq, 1, false, ("payload-" + seq).getBytes(StandardCharsets.UTF_8),
                "publisher", 1_700_000_000_000L);
        return new OutboundMessage(seq, 0, OutboundState.QUEUED, message, seq == 2 ? List.of(7, 9) : List.of());
    }
}
