package io.pulsemq.bench;

import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts one failover round's offline events as a survivor's status event stream delivers them: for each client
 * that was connected to the killed node, how many {@code tcpclean} events arrived, whether each is the
 * {@code server_crash} of that node, and when (relative to the kill) the first one for each client arrived.
 * Events of other clients and other types are ignored. Thread-safe: the stream's reader thread calls
 * {@link #accept}, the round's thread reads.
 */
final class FailoverTally {

    private final Set<String> clients;
    private final String killedNode;
    private final Map<String, Integer> ends = new HashMap<>();
    private long killedAtNanos;
    private long firstNanos = -1;
    private long lastFirstNanos = -1;
    private long events;
    private long wrong;

    /**
     * @param clients    the client IDs connected to the killed node when it was killed
     * @param killedNode its {@code node} name
     */
    FailoverTally(Set<String> clients, String killedNode) {
        this.clients = Set.copyOf(clients);
        this.killedNode = killedNode;
    }

    /** Marks the moment of the kill; arrivals are measured from it. */
    synchronized void killedAt(long nanos) {
        killedAtNanos = nanos;
    }

    /** One {@code data:} line of the stream (an event's JSON) that arrived at {@code arrivedNanos}. */
    void accept(String json, long arrivedNanos) {
        accept(StatusEventJson.decode(json.getBytes(StandardCharsets.UTF_8)), arrivedNanos);
    }

    synchronized void accept(StatusEvent e, long arrivedNanos) {
        if (e.eventType() != EventType.TCPCLEAN || !clients.contains(e.clientId())) {
            return;
        }
        events++;
        if (e.reason() != DisconnectReason.SERVER_CRASH || !killedNode.equals(e.node())) {
            wrong++;
        }
        if (ends.merge(e.clientId(), 1, Integer::sum) == 1) {
            if (firstNanos < 0) {
                firstNanos = arrivedNanos;
            }
            lastFirstNanos = Math.max(lastFirstNanos, arrivedNanos);
        }
    }

    /** Whether every client has had its {@code tcpclean}. */
    synchronized boolean complete() {
        return ends.size() == clients.size();
    }

    /** The round's figures so far (restart, online check, load and error filled in by the caller). */
    synchronized Results.FailoverRound round(int round, String watchedOn, long onlineAfter, double restartSeconds,
                                             String loadAverage, String error) {
        long duplicated = 0;
        for (int n : ends.values()) {
            duplicated += n - 1;
        }
        return new Results.FailoverRound(round, killedNode, watchedOn, clients.size(), events,
                clients.size() - ends.size(), duplicated, wrong, seconds(firstNanos), seconds(lastFirstNanos),
                onlineAfter, restartSeconds, loadAverage, error);
    }

    /** The clients without a {@code tcpclean} yet, at most {@code max}, for the notes. */
    synchronized List<String> missing(int max) {
        return clients.stream().filter(c -> !ends.containsKey(c)).sorted().limit(max).toList();
    }

    private double seconds(long nanos) {
        return nanos < 0 ? Double.NaN : (nanos - killedAtNanos) / 1e9;
    }
}
