package io.pulsemq.sdk.internal;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local copy of the broker's presence: the latest status per client, put-if-newer by {@code version}, exactly
 * as CONTRACT.md section 4 prescribes for list-then-watch. One writer (the tracker's thread), any number of readers.
 *
 * <p>Every change of a client's online state is returned as a {@link Transition}, once: an event whose version is
 * not newer than the one held changes nothing, and a {@code tcpclean} after a {@code disconnect} is no transition
 * (the client went offline with the {@code disconnect}).
 */
public final class Mirror {

    /**
     * A change of a client's online state.
     *
     * @param status the client's status after it
     * @param reason for an offline transition, why (null if unknown); null for online
     */
    public record Transition(ClientStatus status, DisconnectReason reason) {
        public boolean online() {
            return status.online();
        }
    }

    private final Map<String, ClientStatus> statuses = new ConcurrentHashMap<>();
    private final Set<String> online = ConcurrentHashMap.newKeySet();
    private volatile long revision = -1;

    /** The status held for a client, or null. */
    public ClientStatus get(String clientId) {
        return statuses.get(clientId);
    }

    public boolean isOnline(String clientId) {
        return online.contains(clientId);
    }

    /** The online client IDs (a live, read-only view). */
    public Set<String> online() {
        return java.util.Collections.unmodifiableSet(online);
    }

    public int size() {
        return statuses.size();
    }

    /** The offset this mirror reflects (-1 before the first list). */
    public long revision() {
        return revision;
    }

    /**
     * Takes a (re)list: every listed client is put if newer; a held client the list no longer has (its events
     * fell out of retention) is dropped.
     */
    public List<Transition> replace(long listRevision, List<ClientStatus> listed) {
        List<Transition> out = new ArrayList<>();
        Set<String> seen = new HashSet<>(listed.size() * 2);
        for (ClientStatus s : listed) {
            seen.add(s.clientId());
            ClientStatus held = statuses.get(s.clientId());
            if (held == null || s.version() > held.version()) {
                put(held, s, s.lastReason() == null ? null : parseReason(s.lastReason()), out);
            }
        }
        for (ClientStatus held : List.copyOf(statuses.values())) {
            if (!seen.contains(held.clientId())) {
                statuses.remove(held.clientId());
                if (online.remove(held.clientId())) {
                    ClientStatus gone = withOnline(held, false);
                    out.add(new Transition(gone, null));
                }
            }
        }
        revision = Math.max(revision, listRevision);
        return out;
    }

    /** Applies one streamed event; answers the transition it causes, or null. */
    public Transition apply(StatusEvent e) {
        revision = Math.max(revision, e.offset());
        ClientStatus held = statuses.get(e.clientId());
        if (held != null && e.version() <= held.version()) {
            return null;
        }
        List<Transition> out = new ArrayList<>(1);
        put(held, next(held, e), e.reason(), out);
        return out.isEmpty() ? null : out.get(0);
    }

    private void put(ClientStatus held, ClientStatus next, DisconnectReason reason, List<Transition> out) {
        statuses.put(next.clientId(), next);
        boolean was = held != null && held.online();
        if (next.online()) {
            online.add(next.clientId());
        } else {
            online.remove(next.clientId());
        }
        if (was != next.online()) {
            out.add(new Transition(next, next.online() ? null : reason));
        }
    }

    /** The status after {@code e}; connection details the event lacks carry over from the same connection. */
    static ClientStatus next(ClientStatus held, StatusEvent e) {
        boolean isOnline = e.eventType() == EventType.CONNECT;
        boolean sameConnection = held != null && e.channelId() != null && e.channelId().equals(held.channelId());
        long connectedAt = isOnline ? e.time() : sameConnection ? held.connectedAt() : 0;
        return new ClientStatus(e.clientId(), e.groupId(), isOnline, e.version(), e.eventType().wireName(),
                e.channelId(), e.clientIp(), e.node(), connectedAt, isOnline ? 0 : e.time(),
                e.reason() == null ? null : e.reason().wireName(),
                sameConnection ? held.protocolVersion() : 0, sameConnection ? held.keepAlive() : 0,
                sameConnection && held.cleanStart(), sameConnection ? held.username() : null,
                e.certificateChainSn());
    }

    private static ClientStatus withOnline(ClientStatus s, boolean isOnline) {
        return new ClientStatus(s.clientId(), s.groupId(), isOnline, s.version(), s.lastEventType(), s.channelId(),
                s.clientIp(), s.node(), s.connectedAt(), s.disconnectedAt(), s.lastReason(), s.protocolVersion(),
                s.keepAlive(), s.cleanStart(), s.username(), s.certificateChainSn());
    }

    private static DisconnectReason parseReason(String wire) {
        try {
            return DisconnectReason.fromWireName(wire);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }
}
