package io.pulsemq.broker.statuslog;

import io.pulsemq.protocol.StatusEvent;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * The durable, ordered log of status events.
 *
 * <p>Appends are ordered: events appended from one thread, or under one lock, get increasing
 * offsets in that order. An append completes only after its event is durable (fsynced) and applied
 * to the presence registry, so nothing can observe an event that a crash could lose.
 */
public interface StatusLog extends AutoCloseable {

    /**
     * Queues an event. Never blocks. Completes with the logged event once durable, on the log's writer
     * thread (dependent actions must be quick or hand off to their own executor); completes
     * exceptionally with {@link StatusLogFullException} when too many appends are pending (only for
     * {@code connect}: endings are always accepted, so no connection is left looking online).
     */
    CompletableFuture<StatusEvent> append(EventDraft draft);

    /** Whether a {@code connect} appended now would be accepted (the writer is keeping up). */
    boolean acceptingConnects();

    /**
     * Why the log cannot write now (a store error, the disk below its free-space floor, a stopped writer), or empty
     * while it can. While it cannot, {@code connect} appends fail with {@link StatusLogUnavailableException} and
     * endings wait to be written; it becomes available again by itself.
     */
    Optional<String> unavailable();

    /** Records a refused connection attempt for the client's trace (not a status event); best effort. */
    void recordRejected(RejectedConnect rejected);

    /** Offset of the newest durable event, 0 when the log has never had one. */
    long lastOffset();

    /** Offset of the oldest retained event; {@code lastOffset() + 1} when none is retained. */
    long firstOffset();

    /**
     * Passes, in offset order, the events with offsets greater than {@code afterOffset} that match
     * {@code filter} to {@code sink}, until {@code sink} returns false, {@code limit} events were
     * passed, or the log ends.
     *
     * @return the offset of the last event examined (passed or filtered out), or {@code afterOffset}
     */
    long read(long afterOffset, int limit, EventFilter filter, Predicate<StoredEvent> sink);

    /** The offset of the newest event of a client of {@code groupId}, 0 if the group has none. */
    long newestOffsetOfGroup(String groupId);

    /** The first offset whose event's time is at or after {@code epochMillis} ({@code lastOffset() + 1} if none). */
    long offsetAtOrAfter(long epochMillis);

    /**
     * Passes the client's events (newest first when {@code reverse}) with offsets beyond the cursor
     * and times in [{@code begin}, {@code end}] to {@code sink} until it returns false.
     *
     * @param afterOffset cursor: 0 to start from the oldest (or, reversed, {@code Long.MAX_VALUE} from the newest)
     */
    void readClient(String clientId, long afterOffset, boolean reverse, long begin, long end, Predicate<StoredEvent> sink);

    /** Passes the client's rejected attempts with times in [{@code begin}, {@code end}], oldest first. */
    void readRejected(String clientId, long begin, long end, Predicate<RejectedConnect> sink);

    /** Registers a callback run (on the log's writer thread; must be quick) with the new last offset after each commit. */
    void onCommit(LongConsumer listener);

    /** Removes a commit callback. */
    void removeCommitListener(LongConsumer listener);

    /** Waits until every queued append is durable, then stops the writer. */
    @Override
    void close();
}
