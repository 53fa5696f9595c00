package io.pulsemq.broker.store;

import io.pulsemq.broker.session.SessionStore;
import io.pulsemq.broker.subscription.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sessions in the {@link RocksStore}: metadata in {@link ColumnFamily#SESSIONS}, subscriptions, outbound
 * messages and inbound QoS 2 packet IDs in their own column families under per-client key prefixes (see
 * {@link SessionKeys}).
 *
 * <p>Changes are handed to the {@link StoreWriter} and return at once: no caller (an event loop) waits for RocksDB.
 * They are applied in the order they were made, so the store always holds a prefix of them; {@link #removeSession}
 * is one atomic change. A caller that must know a change is stored before it acknowledges something uses the
 * writer's {@link WriteBarrier}. Reads see every change made before them, applied or not: {@link #loadOutbound}
 * merges the outbound changes still waiting for the writer over what it reads from RocksDB (those changes are kept
 * in a small index until the writer has applied them); {@link #loadAll} and {@link #loadWills}, which run at
 * startup, first wait for the writer.
 *
 * <p>Thread-safe; callers serialize the changes (and the reads) of any one client, as {@link SessionStore}
 * requires. {@link #close()} does nothing: the store and the writer belong to the composition root.
 */
public final class RocksSessionStore implements SessionStore {

    private static final Logger LOG = LoggerFactory.getLogger(RocksSessionStore.class);
    private static final byte[] EMPTY = new byte[0];

    private final RocksStore store;
    private final StoreWriter writer;
    /** Outbound changes handed to the writer and not yet applied, by client and sequence number. */
    private final ConcurrentSkipListMap<OutboundKey, Pending> pendingOutbound = new ConcurrentSkipListMap<>();
    /** Clients whose {@link #removeSession} is not yet applied: their records in RocksDB are as good as gone. */
    private final ConcurrentHashMap<String, Object> pendingRemovals = new ConcurrentHashMap<>();

    public RocksSessionStore(RocksStore store, StoreWriter writer) {
        this.store = store;
        this.writer = writer;
    }

    @Override
    public void saveSession(SessionMeta meta) {
        writer.put(ColumnFamily.SESSIONS, SessionKeys.session(meta.clientId()), MessageCodec.encodeSessionMeta(meta));
    }

    /** Deletes the metadata and one key range per per-client column family, atomically. */
    @Override
    public void removeSession(String clientId) {
        byte[] key = SessionKeys.session(clientId);
        byte[] prefix = SessionKeys.clientPrefix(clientId);
        Object removal = new Object();
        pendingRemovals.put(clientId, removal);
        pendingOutbound.subMap(new OutboundKey(clientId, Long.MIN_VALUE), true,
                new OutboundKey(clientId, Long.MAX_VALUE), true).clear();
        writer.write(batch -> batch.delete(ColumnFamily.SESSIONS, key)
                        .delete(ColumnFamily.WILLS, key)
                        .deletePrefix(ColumnFamily.SUBSCRIPTIONS, prefix)
                        .deletePrefix(ColumnFamily.OUTBOUND, prefix)
                        .deletePrefix(ColumnFamily.INBOUND_QOS2, prefix),
                key.length * 5, () -> pendingRemovals.remove(clientId, removal));
    }

    @Override
    public void saveSubscription(Subscription subscription) {
        writer.put(ColumnFamily.SUBSCRIPTIONS,
                SessionKeys.subscription(subscription.clientId(), subscription.fullFilter()),
                MessageCodec.encodeSubscription(subscription));
    }

    @Override
    public void removeSubscription(String clientId, String fullFilter) {
        writer.delete(ColumnFamily.SUBSCRIPTIONS, SessionKeys.subscription(clientId, fullFilter));
    }

    @Override
    public void saveOutbound(String clientId, OutboundMessage message) {
        OutboundKey k = new OutboundKey(clientId, message.seq());
        Pending p = new Pending(message);
        pendingOutbound.put(k, p);
        writer.put(ColumnFamily.OUTBOUND, SessionKeys.outbound(clientId, message.seq()),
                MessageCodec.encodeOutbound(message), () -> pendingOutbound.remove(k, p));
    }

    @Override
    public void removeOutbound(String clientId, long seq) {
        OutboundKey k = new OutboundKey(clientId, seq);
        Pending p = new Pending(null);
        pendingOutbound.put(k, p);
        byte[] key = SessionKeys.outbound(clientId, seq);
        writer.write(batch -> batch.delete(ColumnFamily.OUTBOUND, key), key.length, () -> pendingOutbound.remove(k, p));
    }

    @Override
    public void saveInboundQos2(String clientId, int packetId) {
        writer.put(ColumnFamily.INBOUND_QOS2, SessionKeys.inboundQos2(clientId, packetId), EMPTY);
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        writer.delete(ColumnFamily.INBOUND_QOS2, SessionKeys.inboundQos2(clientId, packetId));
    }

    /** Key: the client ID; value: the will delay in seconds, the due time (0: armed), the message. */
    @Override
    public void saveWill(String clientId, StoredWill will) {
        byte[] message = MessageCodec.encodeMessage(will.message());
        byte[] value = ByteBuffer.allocate(2 * Long.BYTES + message.length)
                .putLong(will.delaySeconds()).putLong(will.dueAt()).put(message).array();
        writer.put(ColumnFamily.WILLS, SessionKeys.session(clientId), value);
    }

    @Override
    public void removeWill(String clientId) {
        writer.delete(ColumnFamily.WILLS, SessionKeys.session(clientId));
    }

    @Override
    public void loadWills(BiConsumer<String, StoredWill> sink) {
        writer.flush();
        try (RocksStore.Cursor wills = store.cursor(ColumnFamily.WILLS)) {
            for (; wills.valid(); wills.next()) {
                byte[] key = wills.key();
                sink.accept(new String(key, StandardCharsets.UTF_8), decode(ColumnFamily.WILLS, key, wills.value(),
                        RocksSessionStore::decodeWill));
            }
        }
    }

    /**
     * Reads each of the four column families once, in key order, joining them on the client prefix: one pass
     * however many sessions there are. Outbound messages are not decoded, only peeked at for their state and
     * payload size ({@link MessageCodec#peekOutbound}), and nothing of them is kept: memory does not grow with
     * what the sessions hold. Sessions arrive in bytewise client ID order; subscriptions in full filter order,
     * packet IDs ascending. Records of clients without stored metadata are skipped with a warning. Expects no
     * concurrent changes.
     *
     * @throws StoreException if a record is corrupt
     */
    @Override
    public void loadAll(Consumer<StoredSession> sink) {
        writer.flush();
        long orphans = 0;
        try (RocksStore.Cursor sessions = store.cursor(ColumnFamily.SESSIONS);
             RocksStore.Cursor subscriptions = store.cursor(ColumnFamily.SUBSCRIPTIONS);
             RocksStore.Cursor outbound = store.cursor(ColumnFamily.OUTBOUND);
             RocksStore.Cursor inboundQos2 = store.cursor(ColumnFamily.INBOUND_QOS2)) {
            for (; sessions.valid(); sessions.next()) {
                byte[] key = sessions.key();
                SessionMeta meta = decode(ColumnFamily.SESSIONS, key, sessions.value(),
                        MessageCodec::decodeSessionMeta);
                byte[] prefix = SessionKeys.clientPrefix(key);
                List<Subscription> subs = new ArrayList<>();
                orphans += collect(subscriptions, prefix, (k, v) ->
                        subs.add(decode(ColumnFamily.SUBSCRIPTIONS, k, v, MessageCodec::decodeSubscription)));
                OutboundSummary[] summary = {OutboundSummary.EMPTY};
                orphans += collect(outbound, prefix, (k, v) -> {
                    MessageCodec.OutboundHead head = decode(ColumnFamily.OUTBOUND, k, v, MessageCodec::peekOutbound);
                    summary[0] = summary[0].plus(head.seq(), head.state(), head.payloadBytes());
                });
                List<Integer> packetIds = new ArrayList<>();
                orphans += collect(inboundQos2, prefix, (k, v) -> packetIds.add(SessionKeys.packetId(k)));
                sink.accept(new StoredSession(meta, List.copyOf(subs), summary[0], List.copyOf(packetIds)));
            }
            orphans += skipRest(subscriptions) + skipRest(outbound) + skipRest(inboundQos2);
        }
        if (orphans > 0) {
            LOG.warn("Skipped {} stored records of clients without a stored session", orphans);
        }
    }

    /**
     * What RocksDB holds from {@code fromSeq} on, with the changes still waiting for the writer laid over it. The
     * waiting changes are looked at first, RocksDB second: a change the writer applies in between is then seen in
     * both, alike, and none is missed (the writer forgets a change only after applying it). RocksDB is read for
     * {@code limit} records more than the waiting deletions, so that what they hide cannot leave the page short.
     *
     * @throws StoreException if a record is corrupt
     */
    @Override
    public List<OutboundMessage> loadOutbound(String clientId, long fromSeq, int limit) {
        TreeMap<Long, Pending> waiting = new TreeMap<>();
        int deletions = 0;
        for (Map.Entry<OutboundKey, Pending> e : pendingOutbound.subMap(new OutboundKey(clientId, fromSeq), true,
                new OutboundKey(clientId, Long.MAX_VALUE), true).entrySet()) {
            waiting.put(e.getKey().seq(), e.getValue());
            if (e.getValue().message == null) {
                deletions++;
            }
        }
        boolean removed = pendingRemovals.containsKey(clientId); // after the waiting changes: see above
        TreeMap<Long, OutboundMessage> page = new TreeMap<>();
        if (!removed) {
            int read = limit > Integer.MAX_VALUE - deletions ? Integer.MAX_VALUE : limit + deletions;
            readOutbound(clientId, fromSeq, read, m -> page.put(m.seq(), m));
        }
        waiting.forEach((seq, p) -> {
            if (p.message == null) {
                page.remove(seq);
            } else {
                page.put(seq, p.message);
            }
        });
        List<OutboundMessage> out = new ArrayList<>(Math.min(limit, page.size()));
        for (OutboundMessage m : page.values()) {
            if (out.size() == limit) {
                break;
            }
            out.add(m);
        }
        return out;
    }

    /** One bounded range read: from the key of {@code fromSeq} to the end of the client's prefix. */
    private void readOutbound(String clientId, long fromSeq, int limit, Consumer<OutboundMessage> sink) {
        byte[] end = RocksStore.prefixEnd(SessionKeys.clientPrefix(clientId));
        int read = 0;
        try (RocksStore.Cursor cursor = store.cursor(ColumnFamily.OUTBOUND, SessionKeys.outbound(clientId, fromSeq),
                end)) {
            for (; cursor.valid() && read < limit; cursor.next()) {
                sink.accept(decode(ColumnFamily.OUTBOUND, cursor.key(), cursor.value(), MessageCodec::decodeOutbound));
                read++;
            }
        }
    }

    /**
     * Passes the cursor's entries under {@code prefix} to {@code sink}, after skipping the entries before it,
     * which belong to clients without a session. Returns how many it skipped.
     */
    private static long collect(RocksStore.Cursor cursor, byte[] prefix, BiConsumer<byte[], byte[]> sink) {
        long skipped = 0;
        for (; cursor.valid(); cursor.next()) {
            byte[] key = cursor.key();
            if (RocksStore.startsWith(key, prefix)) {
                sink.accept(key, cursor.value());
            } else if (Arrays.compareUnsigned(key, prefix) < 0) {
                skipped++;
            } else {
                break;
            }
        }
        return skipped;
    }

    private static StoredWill decodeWill(byte[] value) {
        if (value.length < 2 * Long.BYTES) {
            throw new IllegalArgumentException("will of " + value.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        long delaySeconds = b.getLong();
        long dueAt = b.getLong();
        return new StoredWill(MessageCodec.decodeMessage(Arrays.copyOfRange(value, 2 * Long.BYTES, value.length)),
                delaySeconds, dueAt);
    }

    private static long skipRest(RocksStore.Cursor cursor) {
        long skipped = 0;
        for (; cursor.valid(); cursor.next()) {
            skipped++;
        }
        return skipped;
    }

    /** A waiting outbound change: the message stored, or null for a deletion. Compared by identity. */
    private static final class Pending {
        final OutboundMessage message;

        Pending(OutboundMessage message) {
            this.message = message;
        }
    }

    /** Where a waiting outbound change goes: ordered by client ID, then sequence number. */
    private record OutboundKey(String clientId, long seq) implements Comparable<OutboundKey> {
        @Override
        public int compareTo(OutboundKey o) {
            int c = clientId.compareTo(o.clientId);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private static <T> T decode(ColumnFamily cf, byte[] key, byte[] value, Function<byte[], T> decoder) {
        try {
            return decoder.apply(value);
        } catch (IllegalArgumentException e) {
            throw new StoreException("Corrupt record in column family '" + cf.id() + "' under key "
                    + RocksStore.describeKey(key) + ": " + e.getMessage(), e);
        }
    }
}
