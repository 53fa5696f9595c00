package io.pulsemq.broker.statuslog;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.DiskSpace;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * The status log in RocksDB, with one writer thread doing group commit: it takes every queued
 * event, assigns offsets and per-client versions in queue order, writes the events and the new
 * presence rows in one batch, fsyncs the WAL once (outside RocksDB's write queue, so that other
 * threads' writes do not wait for it), then applies the batch to the {@link PresenceRegistry},
 * publishes the new last offset (readers never read past it) and completes the appends. Throughput
 * grows with load (one fsync per batch); ordering is the queue's.
 *
 * <p><b>When it cannot write</b> (a store error, or free disk below its floor): a failed batch changes nothing
 * anyone can see. Its {@code connect} events fail (those connections are refused), its endings are kept and written
 * first once the store takes writes again, in their order, so no client is left looking online. Meanwhile new
 * {@code connect}s fail at once with {@link StatusLogUnavailableException}; the writer retries with a growing pause
 * (to {@value #MAX_RETRY_PAUSE_MILLIS} ms) and the log is {@link #unavailable() available} again by itself after
 * the first write that succeeds.
 *
 * <p>Record layout (column family {@code status_log}, key = 8-byte big-endian offset): format byte,
 * event type byte, 8-byte time, the 8-byte offset of the same client's previous event (0 if none),
 * client ID and group ID (2-byte length + UTF-8 each), then the event's JSON. Readers filter on the
 * header and hand the JSON on without decoding it. The previous-event offsets chain each client's
 * events, newest to oldest, starting from the offset its presence row holds: a client's trace is a
 * walk along its chain, so an event costs one random-key write (the presence row, once per client
 * per batch) rather than two with a separate per-client index.
 *
 * <p>Presence rows (column family {@code presence}, key = client ID): the 8-byte offset of the
 * client's newest event, then its {@link ClientStatusJson}.
 */
public final class RocksStatusLog implements StatusLog {

    private static final Logger LOG = LoggerFactory.getLogger(RocksStatusLog.class);
    private static final byte RECORD_FORMAT = 2;
    private static final int TIME_AT = 2;
    private static final int PREVIOUS_AT = 10;
    private static final int MAX_BATCH = 4096;
    /** Events kept in memory for readers that follow the log (a power of two). */
    static final int TAIL_SIZE = 1024;
    private static final byte[] LAST_OFFSET_KEY = "statuslog.last-offset".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper RECORD_JSON = new ObjectMapper();
    static final long MAX_RETRY_PAUSE_MILLIS = 2_000;
    private static final byte[] PROBE_KEY = "statuslog.probe".getBytes(StandardCharsets.UTF_8);

    private final RocksStore store;
    private final PresenceRegistry presence;
    private final String node;
    private final Clock clock;
    private final int maxPendingConnects;
    private final DiskSpace disk;
    private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong rejectedSeq = new AtomicLong();
    /** Length of a forgotten client's presence row: its last version only (a live row is longer: offset + JSON). */
    private static final int FORGOTTEN_ROW = 8;
    /** Refused attempts kept for traces, at most; the oldest go first. */
    static final int MAX_REJECTED_ROWS = 100_000;
    private volatile int maxRejectedRows = MAX_REJECTED_ROWS;
    private final AtomicLong writeFailures = new AtomicLong();
    private final CommitListeners listeners = new CommitListeners();
    private final Thread writer;

    /**
     * The newest events as readers get them, at {@code offset & TAIL_MASK}: followers of the log (status
     * streams, AMQP status queues) read what was just committed from here instead of from the store. Written
     * by the writer before it publishes {@link #lastOffset}; a reader takes a slot only if it still holds the
     * offset it wants (the writer may have moved on and reused it), else reads the store.
     */
    private final EventTail tail = new EventTail(TAIL_SIZE);
    private volatile long lastOffset;
    private volatile long firstOffset;
    private volatile boolean closed;
    /** Why the last write failed while it still fails; null while the log writes. */
    private volatile String writeFailure;
    /** Writer thread only. */
    private long lastTime;

    private RocksStatusLog(RocksStore store, PresenceRegistry presence, String node, Clock clock, int maxPendingConnects,
                           DiskSpace disk) {
        this.store = store;
        this.disk = disk;
        this.presence = presence;
        this.node = node;
        this.clock = clock;
        this.maxPendingConnects = maxPendingConnects;
        this.writer = new Thread(this::runWriter, "pulsemq-statuslog");
        this.writer.setDaemon(true);
    }

    /**
     * Opens the log, loads the presence registry from the store and starts the writer. Call
     * {@link #recoverUncleanStop()} before accepting connections.
     *
     * @param maxPendingConnects most {@code connect} events waiting to be written before new ones fail
     */
    public static RocksStatusLog open(RocksStore store, PresenceRegistry presence, String node, Clock clock,
                                      int maxPendingConnects) {
        return open(store, presence, node, clock, maxPendingConnects, DiskSpace.UNBOUNDED);
    }

    /**
     * As {@link #open(RocksStore, PresenceRegistry, String, Clock, int)}, refusing {@code connect}s while {@code disk}
     * is low.
     */
    public static RocksStatusLog open(RocksStore store, PresenceRegistry presence, String node, Clock clock,
                                      int maxPendingConnects, DiskSpace disk) {
        RocksStatusLog log = new RocksStatusLog(store, presence, node, clock, maxPendingConnects, disk);
        log.load();
        log.writer.start();
        return log;
    }

    private void load() {
        store.scan(ColumnFamily.PRESENCE, (key, value) -> {
            if (value.length == FORGOTTEN_ROW) {
                return; // a forgotten client: only its last version is kept, read when it returns
            }
            byte[] json = Arrays.copyOfRange(value, 8, value.length);
            presence.apply(ClientStatusJson.decode(json), json, ByteBuffer.wrap(value, 0, 8).getLong());
        });
        byte[] last = store.get(ColumnFamily.META, LAST_OFFSET_KEY);
        long persistedLast = last == null ? 0 : ByteBuffer.wrap(last).getLong();
        long first = 0;
        long newest = 0;
        try (RocksStore.Cursor c = store.cursor(ColumnFamily.STATUS_LOG)) {
            if (c.valid()) {
                first = ByteBuffer.wrap(c.key()).getLong();
            }
            c.seekToLast();
            if (c.valid()) {
                newest = ByteBuffer.wrap(c.key()).getLong();
                lastTime = timeOf(c.value());
            }
        }
        lastOffset = Math.max(persistedLast, newest);
        firstOffset = first == 0 ? lastOffset + 1 : first;
        presence.advanceTo(lastOffset);
    }

    /**
     * After an unclean stop some connections have no {@code tcpclean}: those of the clients that still look online
     * get one with reason {@code server_crash}; those whose {@code disconnect} was durable but whose {@code tcpclean}
     * (written right after it) was not get theirs with {@code client_disconnect}, as the contract pairs them. Waits
     * until they are durable. Returns how many clients were online.
     */
    public int recoverUncleanStop() {
        List<CompletableFuture<StatusEvent>> appends = new ArrayList<>();
        long now = clock.millis();
        int online = 0;
        for (ClientStatus s : presence.all()) {
            DisconnectReason reason;
            if (s.online()) {
                reason = DisconnectReason.SERVER_CRASH;
                online++;
            } else if (EventType.DISCONNECT.wireName().equals(s.lastEventType())) {
                reason = DisconnectReason.CLIENT_DISCONNECT;
            } else {
                continue;
            }
            ConnectionInfo info = new ConnectionInfo(s.clientId(), s.channelId(), s.clientIp(), s.protocolVersion(),
                    s.keepAlive(), s.cleanStart(), s.username(), s.connectedAt(), s.certificateChainSn());
            appends.add(append(new EventDraft(EventType.TCPCLEAN, info, reason, now)));
        }
        CompletableFuture.allOf(appends.toArray(new CompletableFuture<?>[0])).join();
        return online;
    }

    @Override
    public CompletableFuture<StatusEvent> append(EventDraft draft) {
        CompletableFuture<StatusEvent> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("the status log is closed"));
            return future;
        }
        if (draft.type() == EventType.CONNECT) {
            Optional<String> why = unavailable();
            if (why.isPresent()) {
                future.completeExceptionally(new StatusLogUnavailableException(why.get()));
                return future;
            }
        }
        int now = pending.incrementAndGet();
        if (draft.type() == EventType.CONNECT && now > maxPendingConnects) {
            pending.decrementAndGet();
            future.completeExceptionally(new StatusLogFullException(now));
            return future;
        }
        queue.add(new Op(draft, null, future, null));
        return future;
    }

    @Override
    public boolean acceptingConnects() {
        return !closed && pending.get() < maxPendingConnects;
    }

    /** Writes that failed so far (each retry counts). */
    public long writeFailures() {
        return writeFailures.get();
    }

    @Override
    public Optional<String> unavailable() {
        String failure = writeFailure;
        if (failure != null) {
            return Optional.of(failure);
        }
        if (disk.low()) {
            return Optional.of("free disk space (" + (disk.usable() >> 20) + " MiB) is below statusLog.minFreeDisk ("
                    + (disk.minFree() >> 20) + " MiB)");
        }
        if (closed) {
            return Optional.of("the broker is stopping");
        }
        return writer.isAlive() ? Optional.empty() : Optional.of("the status log writer has stopped");
    }

    @Override
    public void recordRejected(RejectedConnect rejected) {
        // Best effort: under a flood of refused attempts the trace gives way before real events do.
        if (!closed && pending.get() < maxPendingConnects) {
            queue.add(new Op(null, rejected, null, null));
        }
    }

    /**
     * Drops events older than {@code maxAge}, then the oldest ones while the log and the refused attempts occupy
     * more than {@code maxBytes}; drops refused attempts older than {@code maxAge} or beyond their count; forgets the
     * clients offline for longer than {@code maxAge}. Scans on the calling thread, writes on the writer thread;
     * completes when done.
     */
    public CompletableFuture<Void> applyRetention(Duration maxAge, long maxBytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.complete(null);
            return done;
        }
        // The scans run here, on the caller's thread, so that the writer (every connect waits for it) only writes.
        long oldest = clock.millis() - maxAge.toMillis();
        List<byte[]> rejects = rejectedToDrop(oldest);
        List<ClientStatus> unseen = unseenSince(oldest);
        queue.add(new Op(null, null, null, () -> {
            try {
                retain(oldest, maxBytes, rejects, unseen);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }));
        return done;
    }

    @Override
    public long lastOffset() {
        return lastOffset;
    }

    @Override
    public long firstOffset() {
        return firstOffset;
    }

    @Override
    public void onCommit(LongConsumer listener) {
        listeners.add(listener);
    }

    @Override
    public void removeCommitListener(LongConsumer listener) {
        listeners.remove(listener);
    }

    // ---- reading -------------------------------------------------------------------------------

    @Override
    public long read(long afterOffset, int limit, EventFilter filter, Predicate<StoredEvent> sink) {
        long upTo = lastOffset;
        long from = Math.max(afterOffset + 1, firstOffset);
        if (from > upTo || limit <= 0) {
            return afterOffset;
        }
        // The newest events come from memory, as long as every one wanted is still there.
        EventTail.Scan memory = tail.read(from, upTo, afterOffset, limit, filter, sink);
        if (memory.done()) {
            return memory.examined();
        }
        from = memory.next();
        long examined = memory.examined();
        int passed = memory.passed();
        try (RocksStore.Cursor c = store.cursor(ColumnFamily.STATUS_LOG, offsetKey(from), offsetKey(upTo + 1))) {
            for (; c.valid(); c.next()) {
                StoredEvent e = decodeRecord(ByteBuffer.wrap(c.key()).getLong(), c.value());
                examined = e.offset();
                if (filter.test(e)) {
                    passed++;
                    if (!sink.test(e) || passed >= limit) {
                        break;
                    }
                }
            }
        }
        return examined;
    }

    @Override
    public long newestOffsetOfGroup(String groupId) {
        return presence.groupNewestEvent(groupId);
    }

    @Override
    public long offsetAtOrAfter(long epochMillis) {
        long lo = firstOffset;
        long hi = lastOffset + 1;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            byte[] v = store.get(ColumnFamily.STATUS_LOG, offsetKey(mid));
            long t = v == null ? Long.MIN_VALUE : timeOf(v);
            if (t < epochMillis) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The event at {@code offset}, or null. */
    public StoredEvent get(long offset) {
        byte[] v = store.get(ColumnFamily.STATUS_LOG, offsetKey(offset));
        return v == null ? null : decodeRecord(offset, v);
    }

    @Override
    public void readClient(String clientId, long afterOffset, boolean reverse, long begin, long end,
                           Predicate<StoredEvent> sink) {
        // Times never decrease along the log, so a walk back along the client's chain stops at the first
        // event older than begin; it also stops where retention has dropped the rest.
        if (reverse) {
            long at = presence.lastEventOffset(clientId);
            if (afterOffset <= at && afterOffset >= firstOffset) {
                // A cursor on one of the client's events (the previous page's last): continue from the one before.
                byte[] v = store.get(ColumnFamily.STATUS_LOG, offsetKey(afterOffset));
                if (v != null && decodeRecord(afterOffset, v).clientId().equals(clientId)) {
                    at = previousOf(v);
                }
            }
            while (at >= firstOffset && at > 0) {
                byte[] v = store.get(ColumnFamily.STATUS_LOG, offsetKey(at));
                long time = v == null ? Long.MIN_VALUE : timeOf(v);
                if (time < begin) {
                    return;
                }
                if (at < afterOffset && time <= end && !sink.test(decodeRecord(at, v))) {
                    return;
                }
                at = previousOf(v);
            }
            return;
        }
        long[] offsets = new long[16];
        int n = 0;
        for (long at = presence.lastEventOffset(clientId); at > afterOffset && at >= firstOffset && at > 0; ) {
            byte[] v = store.get(ColumnFamily.STATUS_LOG, offsetKey(at));
            if (v == null || timeOf(v) < begin) {
                break;
            }
            if (n == offsets.length) {
                offsets = Arrays.copyOf(offsets, n * 2);
            }
            offsets[n++] = at;
            at = previousOf(v);
        }
        for (int i = n - 1; i >= 0; i--) {
            StoredEvent e = get(offsets[i]);
            if (e == null) {
                continue;
            }
            if (e.time() > end || !sink.test(e)) {
                return;
            }
        }
    }

    @Override
    public void readRejected(String clientId, long begin, long end, Predicate<RejectedConnect> sink) {
        byte[] prefix = prefix(clientId);
        store.scanPrefix(ColumnFamily.REJECTED_CONNECTS, prefix, new java.util.function.BiConsumer<>() {
            boolean stopped;

            @Override
            public void accept(byte[] key, byte[] value) {
                if (stopped) {
                    return;
                }
                RejectedConnect r = decodeRejected(value);
                if (r.time() >= begin && r.time() <= end && !sink.test(r)) {
                    stopped = true;
                }
            }
        });
    }

    // ---- writer --------------------------------------------------------------------------------

    private void runWriter() {
        List<Op> batch = new ArrayList<>(MAX_BATCH);
        List<Op> retry = new ArrayList<>();
        long pauseMillis = 0;
        while (true) {
            try {
                batch.addAll(retry);
                retry.clear();
                Op first = batch.isEmpty() && writeFailure == null ? queue.poll(100, TimeUnit.MILLISECONDS) : queue.poll();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - batch.size());
                }
                if (batch.isEmpty() && writeFailure == null) {
                    if (closed && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                if (batch.isEmpty()) {
                    probe(); // nothing to retry: find out whether the store takes writes again
                } else {
                    commit(batch);
                }
                if (writeFailure != null) {
                    LOG.info("the status log writes again; accepting connections");
                    writeFailure = null;
                }
                pauseMillis = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failAll(batch, new IllegalStateException("the status log writer was interrupted"));
                return;
            } catch (RuntimeException | Error e) {
                if (writeFailure == null) {
                    LOG.error("the status log cannot write ({}); refusing new connections, keeping {} operations to "
                            + "retry", e.getMessage(), batch.size(), e);
                }
                writeFailures.incrementAndGet();
                writeFailure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                failConnects(batch, retry);
                if (closed) {
                    LOG.error("stopping with {} status events not written: {}", retry.size(), writeFailure);
                    failAll(retry, e);
                    return;
                }
                pauseMillis = Math.min(Math.max(2 * pauseMillis, 50), MAX_RETRY_PAUSE_MILLIS);
                try {
                    TimeUnit.MILLISECONDS.sleep(pauseMillis); // the writer's own thread, never an event loop
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    failAll(retry, e);
                    return;
                }
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * After a failed batch: its {@code connect}s fail (their connections are refused), its tasks run (they complete
     * their own futures), rejected attempts are dropped (best effort), and endings go to {@code retry}, in order.
     */
    private void failConnects(List<Op> batch, List<Op> retry) {
        for (Op op : batch) {
            if (op.draft != null && op.draft.type() != EventType.CONNECT) {
                retry.add(op);
            } else if (op.future != null) {
                pending.decrementAndGet();
                op.future.completeExceptionally(new StatusLogUnavailableException(writeFailure));
            } else if (op.task != null) {
                op.task.run();
            }
        }
    }

    private void failAll(List<Op> ops, Throwable cause) {
        for (Op op : ops) {
            if (op.future != null && !op.future.isDone()) {
                pending.decrementAndGet();
                op.future.completeExceptionally(cause);
            }
        }
    }

    private void probe() {
        try (RocksStore.Batch b = store.newBatch()) {
            b.put(ColumnFamily.META, PROBE_KEY, ByteBuffer.allocate(8).putLong(clock.millis()).array());
            store.writeDurably(b);
        }
    }

    private void commit(List<Op> ops) {
        Map<String, Staged> staged = new HashMap<>();
        StatusEvent[] results = new StatusEvent[ops.size()];
        List<StoredEvent> written = new ArrayList<>();
        long offset = lastOffset;
        long time = lastTime;
        int events = 0;
        try (RocksStore.Batch b = store.newBatch()) {
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                if (op.task != null) {
                    continue;
                }
                if (op.rejected != null) {
                    RejectedConnect r = op.rejected;
                    b.put(ColumnFamily.REJECTED_CONNECTS, rejectedKey(r.clientId(), r.time(), rejectedSeq.incrementAndGet()),
                            encodeRejected(r));
                    continue;
                }
                EventDraft d = op.draft;
                ConnectionInfo c = d.connection();
                Staged prev = staged.get(c.clientId());
                long version = prev != null ? prev.status.version() : lastVersion(c.clientId());
                long previousOffset = prev != null ? prev.lastEventOffset : presence.lastEventOffset(c.clientId());
                offset++;
                time = Math.max(time, d.observedAt());
                StatusEvent e = new StatusEvent(offset, c.clientId(), ClientIds.groupOf(c.clientId()), d.type(),
                        c.connectionId(), c.remoteAddress(), time, version + 1, d.reason(), node, c.certificateChainSn(), null);
                byte[] json = StatusEventJson.encode(e);
                b.put(ColumnFamily.STATUS_LOG, offsetKey(offset), encodeRecord(e, previousOffset, json));
                written.add(new StoredEvent(offset, e.clientId(), e.groupId(), e.eventType(), e.time(), json));
                staged.put(c.clientId(), new Staged(next(e, c), offset));
                results[i] = e;
                events++;
            }
            // One presence row per client per batch, however many of its events the batch holds.
            for (Staged st : staged.values()) {
                st.json = ClientStatusJson.encode(st.status);
                byte[] row = ByteBuffer.allocate(8 + st.json.length).putLong(st.lastEventOffset).put(st.json).array();
                b.put(ColumnFamily.PRESENCE, st.status.clientId().getBytes(StandardCharsets.UTF_8), row);
            }
            if (events > 0) {
                b.put(ColumnFamily.META, LAST_OFFSET_KEY, ByteBuffer.allocate(8).putLong(offset).array());
            }
            if (b.count() > 0) {
                store.writeDurably(b); // readers see it only once lastOffset moves, below
            }
        }
        lastTime = time;
        for (Staged st : staged.values()) {
            presence.apply(st.status, st.json, st.lastEventOffset);
        }
        presence.advanceTo(offset);
        for (StoredEvent e : written) {
            tail.put(e);
        }
        lastOffset = offset; // publishes the tail slots written above
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.future != null) {
                pending.decrementAndGet();
                op.future.complete(results[i]);
            } else if (op.task != null) {
                op.task.run();
            }
        }
        if (events > 0) {
            listeners.committed(offset);
        }
    }

    private ClientStatus next(StatusEvent e, ConnectionInfo c) {
        boolean online = e.eventType() == EventType.CONNECT;
        return new ClientStatus(e.clientId(), e.groupId(), online, e.version(), e.eventType().wireName(),
                e.channelId(), e.clientIp(), node, c.connectedAt(), online ? 0 : e.time(),
                e.reason() == null ? null : e.reason().wireName(), c.protocolVersion(), c.keepAliveSeconds(),
                c.cleanStart(), c.username(), c.certificateChainSn());
    }

    private void retain(long oldest, long maxBytes, List<byte[]> rejects, List<ClientStatus> unseen) {
        dropRejected(rejects);
        forget(unseen);
        long cut = offsetAtOrAfter(oldest);
        // refused attempts count against the same size budget as the events
        long size = store.approximateSize(ColumnFamily.STATUS_LOG) + store.approximateSize(ColumnFamily.REJECTED_CONNECTS);
        long count = lastOffset - firstOffset + 1;
        if (maxBytes > 0 && size > maxBytes && count > 0) {
            long drop = (long) Math.ceil(count * (double) (size - maxBytes) / size);
            cut = Math.max(cut, firstOffset + drop);
        }
        cut = Math.min(cut, lastOffset + 1);
        if (cut <= firstOffset) {
            return;
        }
        // Readers check firstOffset before they read: raise it first, so none follows a chain into the range.
        long removed = cut - firstOffset;
        long from = firstOffset;
        firstOffset = cut;
        store.deleteRange(ColumnFamily.STATUS_LOG, offsetKey(from), offsetKey(cut));
        LOG.debug("status log retention dropped {} events; first offset now {}", removed, cut);
    }

    /**
     * The refused attempts to drop: those older than {@code oldest}, then the oldest ones beyond
     * {@link #maxRejectedRows}, so that a flood of refused CONNECTs (random client IDs, each up to 65,535 bytes)
     * cannot grow the store without bound. Reads only (any thread).
     */
    private List<byte[]> rejectedToDrop(long oldest) {
        List<long[]> kept = new ArrayList<>(); // {time, index into keys}
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> drop = new ArrayList<>();
        store.scan(ColumnFamily.REJECTED_CONNECTS, (k, v) -> {
            long time = ByteBuffer.wrap(k, k.length - 16, 8).getLong();
            if (time < oldest) {
                drop.add(k);
            } else {
                kept.add(new long[] {time, keys.size()});
                keys.add(k);
            }
        });
        int over = kept.size() - maxRejectedRows;
        if (over > 0) {
            kept.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 0; i < over; i++) {
                drop.add(keys.get((int) kept.get(i)[1]));
            }
        }
        return drop;
    }

    /** Writer: deletes the refused attempts {@link #rejectedToDrop} chose. */
    private void dropRejected(List<byte[]> drop) {
        if (drop.isEmpty()) {
            return;
        }
        try (RocksStore.Batch b = store.newBatch()) {
            drop.forEach(k -> b.delete(ColumnFamily.REJECTED_CONNECTS, k));
            store.write(b);
        }
        LOG.debug("status log retention dropped {} refused attempts", drop.size());
    }

    /** The clients offline since before {@code oldest}, their last event a {@code tcpclean}. Reads only (any thread). */
    private List<ClientStatus> unseenSince(long oldest) {
        List<ClientStatus> unseen = new ArrayList<>();
        for (ClientStatus s : presence.all()) {
            if (!s.online() && s.disconnectedAt() > 0 && s.disconnectedAt() < oldest
                    && EventType.TCPCLEAN.wireName().equals(s.lastEventType())) {
                unseen.add(s);
            }
        }
        return unseen;
    }

    /**
     * Writer: forgets the clients {@link #unseenSince} found, unless they came back meanwhile (their events are past
     * the retention too): their presence rows leave the heap and the store, and only their last version stays, as
     * an 8-byte row, so that a client that comes back continues its versions and never reuses one.
     */
    private void forget(List<ClientStatus> candidates) {
        List<ClientStatus> unseen = new ArrayList<>(candidates.size());
        for (ClientStatus s : candidates) {
            ClientStatus now = presence.find(s.clientId());
            if (now != null && now.version() == s.version()) {
                unseen.add(s);
            }
        }
        if (unseen.isEmpty()) {
            return;
        }
        try (RocksStore.Batch b = store.newBatch()) {
            for (ClientStatus s : unseen) {
                b.put(ColumnFamily.PRESENCE, s.clientId().getBytes(StandardCharsets.UTF_8),
                        ByteBuffer.allocate(FORGOTTEN_ROW).putLong(s.version()).array());
            }
            store.writeDurably(b);
        }
        unseen.forEach(s -> presence.forget(s.clientId()));
        LOG.debug("status log retention forgot {} unseen clients", unseen.size());
    }

    /** The version of {@code clientId}'s newest event: from the presence registry, or from its forgotten row, or 0. */
    private long lastVersion(String clientId) {
        ClientStatus known = presence.find(clientId);
        if (known != null) {
            return known.version();
        }
        byte[] row = store.get(ColumnFamily.PRESENCE, clientId.getBytes(StandardCharsets.UTF_8));
        return row != null && row.length == FORGOTTEN_ROW ? ByteBuffer.wrap(row).getLong() : 0;
    }

    /** Sets the most refused attempts kept ({@value #MAX_REJECTED_ROWS} by default); for tests. */
    void maxRejectedRows(int max) {
        this.maxRejectedRows = max;
    }

    // ---- closing -------------------------------------------------------------------------------

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- encoding ------------------------------------------------------------------------------

    static byte[] offsetKey(long offset) {
        return ByteBuffer.allocate(8).putLong(offset).array();
    }

    private static byte[] prefix(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[id.length + 1];
        System.arraycopy(id, 0, p, 0, id.length);
        return p;
    }

    private static byte[] rejectedKey(String clientId, long time, long seq) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(id.length + 17).put(id).put((byte) 0).putLong(time).putLong(seq).array();
    }

    private static byte[] encodeRecord(StatusEvent e, long previousOffset, byte[] json) {
        byte[] id = e.clientId().getBytes(StandardCharsets.UTF_8);
        byte[] group = e.groupId().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 8 + 8 + 2 + id.length + 2 + group.length + json.length)
                .put(RECORD_FORMAT).put((byte) e.eventType().ordinal()).putLong(e.time()).putLong(previousOffset)
                .putShort((short) id.length).put(id).putShort((short) group.length).put(group).put(json)
                .array();
    }

    private static long timeOf(byte[] record) {
        return ByteBuffer.wrap(record, TIME_AT, 8).getLong();
    }

    private static long previousOf(byte[] record) {
        return ByteBuffer.wrap(record, PREVIOUS_AT, 8).getLong();
    }

    private static StoredEvent decodeRecord(long offset, byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        byte format = b.get();
        if (format != RECORD_FORMAT) {
            throw new IllegalStateException("status log record " + offset + " has unknown format " + format);
        }
        EventType type = EventType.values()[b.get()];
        long time = b.getLong();
        b.getLong(); // the client's previous event
        String clientId = readString(b);
        String group = readString(b);
        byte[] json = new byte[b.remaining()];
        b.get(json);
        return new StoredEvent(offset, clientId, group, type, time, json);
    }

    private static String readString(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        String s = new String(b.array(), b.position(), len, StandardCharsets.UTF_8);
        b.position(b.position() + len);
        return s;
    }

    private static byte[] encodeRejected(RejectedConnect r) {
        try {
            return RECORD_JSON.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RejectedConnect decodeRejected(byte[] v) {
        try {
            return RECORD_JSON.readValue(v, RejectedConnect.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client's status as a batch being committed leaves it; the JSON is encoded once, at the end. */
    private static final class Staged {
        final ClientStatus status;
        final long lastEventOffset;
        byte[] json;

        Staged(ClientStatus status, long lastEventOffset) {
            this.status = status;
            this.lastEventOffset = lastEventOffset;
        }
    }

    /** One queued operation: an event, a rejected attempt, or a task to run on the writer. */
    private record Op(EventDraft draft, RejectedConnect rejected, CompletableFuture<StatusEvent> future, Runnable task) {
    }
}
