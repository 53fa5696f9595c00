package io.pulsemq.broker.session;

import io.pulsemq.broker.subscription.Subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Sessions in memory only, for a broker without persistence and for tests; same semantics as the durable
 * store, nothing survives the process. Thread-safe; callers serialize the changes of any one client, as
 * {@link SessionStore} requires.
 *
 * <p>Like the durable store, it keeps subscriptions, outbound messages and QoS 2 state saved for a client whose
 * metadata is not (or not yet) saved, and {@link #loadAll} passes only clients with metadata.
 */
public final class InMemorySessionStore implements SessionStore {

    private final ConcurrentMap<String, ClientState> clients = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, StoredWill> wills = new ConcurrentHashMap<>();

    @Override
    public void saveSession(SessionMeta meta) {
        state(meta.clientId()).meta = meta;
    }

    @Override
    public void removeSession(String clientId) {
        clients.remove(clientId);
        wills.remove(clientId);
    }

    @Override
    public void saveSubscription(Subscription subscription) {
        state(subscription.clientId()).subscriptions.put(subscription.fullFilter(), subscription);
    }

    @Override
    public void removeSubscription(String clientId, String fullFilter) {
        ClientState state = clients.get(clientId);
        if (state != null) {
            state.subscriptions.remove(fullFilter);
        }
    }

    @Override
    public void saveOutbound(String clientId, OutboundMessage message) {
        state(clientId).outbound.put(message.seq(), message);
    }

    @Override
    public void removeOutbound(String clientId, long seq) {
        ClientState state = clients.get(clientId);
        if (state != null) {
            state.outbound.remove(seq);
        }
    }

    @Override
    public void saveInboundQos2(String clientId, int packetId) {
        state(clientId).inboundQos2.add(packetId);
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        ClientState state = clients.get(clientId);
        if (state != null) {
            state.inboundQos2.remove(packetId);
        }
    }

    @Override
    public void saveWill(String clientId, StoredWill will) {
        wills.put(clientId, will);
    }

    @Override
    public void removeWill(String clientId) {
        wills.remove(clientId);
    }

    @Override
    public void loadWills(BiConsumer<String, StoredWill> sink) {
        wills.forEach(sink);
    }

    /**
     * Passes a snapshot of every client with saved metadata, its outbound messages summarized; packet IDs
     * ascending. Sessions arrive in no particular order.
     */
    @Override
    public void loadAll(Consumer<StoredSession> sink) {
        for (Map.Entry<String, ClientState> entry : clients.entrySet()) {
            ClientState state = entry.getValue();
            SessionMeta meta = state.meta;
            if (meta != null) {
                OutboundSummary summary = OutboundSummary.EMPTY;
                for (OutboundMessage m : state.outbound.values()) {
                    summary = summary.plus(m.seq(), m.state(), payloadBytes(m));
                }
                sink.accept(new StoredSession(meta, List.copyOf(state.subscriptions.values()), summary,
                        List.copyOf(state.inboundQos2)));
            }
        }
    }

    @Override
    public List<OutboundMessage> loadOutbound(String clientId, long fromSeq, int limit) {
        ClientState state = clients.get(clientId);
        if (state == null) {
            return List.of();
        }
        List<OutboundMessage> page = new ArrayList<>(Math.min(limit, 64));
        for (OutboundMessage m : state.outbound.tailMap(fromSeq, true).values()) {
            if (page.size() >= limit) {
                break;
            }
            page.add(m);
        }
        return page;
    }

    private static int payloadBytes(OutboundMessage m) {
        byte[] payload = m.message().payload();
        return payload == null ? 0 : payload.length;
    }

    private ClientState state(String clientId) {
        return clients.computeIfAbsent(clientId, id -> new ClientState());
    }

    /** What is stored for one client. */
    private static final class ClientState {
        volatile SessionMeta meta;
        final NavigableMap<String, Subscription> subscriptions = new ConcurrentSkipListMap<>();
        final NavigableMap<Long, OutboundMessage> outbound = new ConcurrentSkipListMap<>();
        final NavigableSet<Integer> inboundQos2 = new ConcurrentSkipListSet<>();
    }
}
