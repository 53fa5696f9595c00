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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sessions in the {@link RocksStore}: metadata in {@link ColumnFamily#SESSIONS}, subscriptions, outbound
 * messages and inbound QoS 2 packet IDs in their own column families under per-client key prefixes (see
 * {@link SessionKeys}).
 *
 * <p>Every change is one RocksDB write, in the OS's write-ahead log on return: it survives a crash of the broker
 * process, not a power loss. {@link #removeSession} is a single atomic batch. Thread-safe; callers serialize
 * the changes of any one client, as {@link SessionStore} requires. {@link #close()} does nothing: the store
 * belongs to the composition root.
 */
public final class RocksSessionStore implements SessionStore {

    private static final Logger LOG = LoggerFactory.getLogger(RocksSessionStore.class);
    private static final byte[] EMPTY = new byte[0];

    private final RocksStore store;

    public RocksSessionStore(RocksStore store) {
        this.store = store;
    }

    @Override
    public void saveSession(SessionMeta meta) {
        store.put(ColumnFamily.SESSIONS, SessionKeys.session(meta.clientId()), MessageCodec.encodeSessionMeta(meta));
    }

    /** Deletes the metadata and one key range per per-client column family, atomically. */
    @Override
    public void removeSession(String clientId) {
        byte[] prefix = SessionKeys.clientPrefix(clientId);
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.delete(ColumnFamily.SESSIONS, SessionKeys.session(clientId))
                    .delete(ColumnFamily.WILLS, SessionKeys.session(clientId))
                    .deletePrefix(ColumnFamily.SUBSCRIPTIONS, prefix)
                    .deletePrefix(ColumnFamily.OUTBOUND, prefix)
                    .deletePrefix(ColumnFamily.INBOUND_QOS2, prefix);
            store.write(batch);
        }
    }

    @Override
    public void saveSubscription(Subscription subscription) {
        store.put(ColumnFamily.SUBSCRIPTIONS,
                SessionKeys.subscription(subscription.clientId(), subscription.fullFilter()),
                MessageCodec.encodeSubscription(subscription));
    }

    @Override
    public void removeSubscription(String clientId, String fullFilter) {
        store.delete(ColumnFamily.SUBSCRIPTIONS, SessionKeys.subscription(clientId, fullFilter));
    }

    @Override
    public void saveOutbound(String clientId, OutboundMessage message) {
        store.put(ColumnFamily.OUTBOUND, SessionKeys.outbound(clientId, message.seq()),
                MessageCodec.encodeOutbound(message));
    }

    @Override
    public void removeOutbound(String clientId, long seq) {
        store.delete(ColumnFamily.OUTBOUND, SessionKeys.outbound(clientId, seq));
    }

    @Override
    public void saveInboundQos2(String clientId, int packetId) {
        store.put(ColumnFamily.INBOUND_QOS2, SessionKeys.inboundQos2(clientId, packetId), EMPTY);
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        store.delete(ColumnFamily.INBOUND_QOS2, SessionKeys.inboundQos2(clientId, packetId));
    }

    /** Key: the client ID; value: the will delay in seconds, the due time (0: armed), the message. */
    @Override
    public void saveWill(String clientId, StoredWill will) {
        byte[] message = MessageCodec.encodeMessage(will.message());
        byte[] value = ByteBuffer.allocate(2 * Long.BYTES + message.length)
                .putLong(will.delaySeconds()).putLong(will.dueAt()).put(message).array();
        store.put(ColumnFamily.WILLS, SessionKeys.session(clientId), value);
    }

    @Override
    public void removeWill(String clientId) {
        store.delete(ColumnFamily.WILLS, SessionKeys.session(clientId));
    }

    @Override
    public void loadWills(BiConsumer<String, StoredWill> sink) {
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
     * One bounded range read: from the key of {@code fromSeq} to the end of the client's prefix, stopping after
     * {@code limit} records.
     *
     * @throws StoreException if a record is corrupt
     */
    @Override
    public List<OutboundMessage> loadOutbound(String clientId, long fromSeq, int limit) {
        byte[] end = RocksStore.prefixEnd(SessionKeys.clientPrefix(clientId));
        List<OutboundMessage> page = new ArrayList<>(Math.min(limit, 64));
        try (RocksStore.Cursor cursor = store.cursor(ColumnFamily.OUTBOUND, SessionKeys.outbound(clientId, fromSeq),
                end)) {
            for (; cursor.valid() && page.size() < limit; cursor.next()) {
                page.add(decode(ColumnFamily.OUTBOUND, cursor.key(), cursor.value(), MessageCodec::decodeOutbound));
            }
        }
        return page;
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

    private static <T> T decode(ColumnFamily cf, byte[] key, byte[] value, Function<byte[], T> decoder) {
        try {
            return decoder.apply(value);
        } catch (IllegalArgumentException e) {
            throw new StoreException("Corrupt record in column family '" + cf.id() + "' under key "
                    + RocksStore.describeKey(key) + ": " + e.getMessage(), e);
        }
    }
}
