package io.pulsemq.broker.store;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The broker's embedded RocksDB database, in {@code <dataDir>/store}, with one column family per
 * {@link ColumnFamily} constant, and small typed helpers over it.
 *
 * <p><b>Durability.</b> {@link #put}, {@link #delete} and {@link #write} use {@code sync=false}: when they
 * return, the change is in RocksDB's write-ahead log in the operating system's page cache. It survives a crash
 * of the broker process, not a power loss or kernel crash. {@link #writeDurably} additionally fsyncs the log
 * before returning (without holding up other writers for the fsync); {@link #flushWal flushWal(true)} makes every earlier write durable the same way.
 * {@link #close()} syncs the log, so a clean shutdown is durable.
 *
 * <p><b>Threading.</b> Every method may be called from any thread; RocksDB serializes writes internally and
 * reads never block writes. Cursors and batches belong to the thread that made them. The owner calls
 * {@link #close()} once every user of the store (and every open cursor and batch) is done; using the store
 * afterwards fails with {@link IllegalStateException}.
 *
 * <p>Failures surface as {@link StoreException}.
 */
public final class RocksStore implements AutoCloseable {

    /** The directory under the broker's data directory that holds the database. */
    public static final String DIRECTORY = "store";

    /** Meta key of the store format version. Meta keys starting with {@code store.} belong to this class. */
    static final String FORMAT_VERSION_KEY = "store.format-version";

    /**
     * The layout of keys and column families this build reads and writes. Version 2 chains each client's status
     * events instead of indexing them in a column family of their own; version 1 came only from pre-release builds.
     */
    static final int FORMAT_VERSION = 2;

    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);
    private static final long MIB = 1024 * 1024;
    private static final int BLOOM_BITS_PER_KEY = 10;

    private final Path path;
    private final RocksDB db;
    private final Map<ColumnFamily, ColumnFamilyHandle> handles;
    private final WriteOptions writeOptions;
    private final Deque<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Memory and disk bounds, sized for a small machine by {@link #defaults()}.
     *
     * @param blockCacheBytes  the block cache shared by every column family (data, index and filter blocks)
     * @param writeBufferBytes the total of all memtables; reaching it flushes the largest one
     * @param maxWalBytes      the total of write-ahead log files; reaching it flushes the column families that
     *                         keep the oldest log alive
     */
    public record Tuning(long blockCacheBytes, long writeBufferBytes, long maxWalBytes) {
        public Tuning {
            if (blockCacheBytes <= 0 || writeBufferBytes <= 0 || maxWalBytes <= 0) {
                throw new IllegalArgumentException("Store tuning values must be positive: " + blockCacheBytes
                        + ", " + writeBufferBytes + ", " + maxWalBytes);
            }
        }

        /** 32 MiB block cache, 32 MiB of memtables, 64 MiB of write-ahead log. */
        public static Tuning defaults() {
            return new Tuning(32 * MIB, 32 * MIB, 64 * MIB);
        }
    }

    private RocksStore(Path path, RocksDB db, Map<ColumnFamily, ColumnFamilyHandle> handles,
                       WriteOptions writeOptions, Deque<AutoCloseable> resources) {
        this.path = path;
        this.db = db;
        this.handles = handles;
        this.writeOptions = writeOptions;
        this.resources = resources;
    }

    /** Opens, or creates, the store in {@code dataDir/store} with {@link Tuning#defaults()}. */
    public static RocksStore open(Path dataDir) {
        return open(dataDir, Tuning.defaults());
    }

    /**
     * Opens, or creates, the store in {@code dataDir/store}, creating missing directories and column families.
     *
     * @throws StoreException if the directory cannot be created, the database is locked by another process (or
     *                        already open in this one), or it was written by a newer, incompatible broker
     */
    public static RocksStore open(Path dataDir, Tuning tuning) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(tuning, "tuning");
        Path path = dataDir.resolve(DIRECTORY).toAbsolutePath();
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new StoreException("Cannot create the store directory " + path + ": " + e, e);
        }
        RocksDB.loadLibrary();
        // Closed in reverse order of creation: column family handles, database, options, filter, cache.
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            LRUCache cache = own(resources, new LRUCache(tuning.blockCacheBytes()));
            BloomFilter filter = own(resources, new BloomFilter(BLOOM_BITS_PER_KEY));
            ColumnFamilyOptions cfOptions = own(resources, new ColumnFamilyOptions()
                    .setTableFormatConfig(new BlockBasedTableConfig()
                            .setBlockCache(cache)
                            .setFilterPolicy(filter)
                            .setCacheIndexAndFilterBlocks(true)
                            .setPinL0FilterAndIndexBlocksInCache(true))
                    .setCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setWriteBufferSize(Math.min(8 * MIB, tuning.writeBufferBytes()))
                    .setMaxWriteBufferNumber(2)
                    .setLevelCompactionDynamicLevelBytes(true));
            DBOptions dbOptions = own(resources, new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setDbWriteBufferSize(tuning.writeBufferBytes())
                    .setMaxTotalWalSize(tuning.maxWalBytes())
                    .setMaxBackgroundJobs(2)
                    .setBytesPerSync(MIB)
                    .setMaxLogFileSize(8 * MIB)
                    .setKeepLogFileNum(3));
            WriteOptions writeOptions = own(resources, new WriteOptions().setSync(false));

            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (byte[] name : columnFamilyNames(path, dbOptions, cfOptions)) {
                descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
            }
            List<ColumnFamilyHandle> handleList = new ArrayList<>();
            RocksDB db = own(resources, RocksDB.open(dbOptions, path.toString(), descriptors, handleList));
            Map<ColumnFamily, ColumnFamilyHandle> handles = new EnumMap<>(ColumnFamily.class);
            for (int i = 0; i < handleList.size(); i++) {
                ColumnFamilyHandle handle = own(resources, handleList.get(i));
                for (ColumnFamily cf : ColumnFamily.values()) {
                    if (Arrays.equals(cf.idBytes(), descriptors.get(i).getName())) {
                        handles.put(cf, handle);
                    }
                }
            }
            RocksStore store = new RocksStore(path, db, handles, writeOptions, resources);
            store.checkFormatVersion();
            return store;
        } catch (RocksDBException e) {
            closeAll(resources);
            throw new StoreException(openFailureMessage(path, e), e);
        } catch (RuntimeException | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    /**
     * Our column families plus any others already in the database: RocksDB refuses to open a database without
     * all of them, and one written by a newer broker may have more.
     */
    private static List<byte[]> columnFamilyNames(Path path, DBOptions dbOptions, ColumnFamilyOptions cfOptions)
            throws RocksDBException {
        List<byte[]> names = new ArrayList<>();
        names.add(RocksDB.DEFAULT_COLUMN_FAMILY);
        for (ColumnFamily cf : ColumnFamily.values()) {
            names.add(cf.idBytes());
        }
        if (Files.exists(path.resolve("CURRENT"))) {
            try (Options options = new Options(dbOptions, cfOptions)) {
                for (byte[] existing : RocksDB.listColumnFamilies(options, path.toString())) {
                    if (names.stream().noneMatch(name -> Arrays.equals(name, existing))) {
                        names.add(existing);
                    }
                }
            }
        }
        return names;
    }

    private static String openFailureMessage(Path path, RocksDBException e) {
        String detail = String.valueOf(e.getMessage());
        if (detail.contains("LOCK")) {
            return "Cannot open the store in " + path + ": it is locked by another process or already open in this"
                    + " one; is another broker running with the same data directory? (RocksDB: " + detail + ")";
        }
        return "Cannot open the store in " + path + " (RocksDB: " + detail + ")";
    }

    private void checkFormatVersion() {
        byte[] stored = getMeta(FORMAT_VERSION_KEY);
        if (stored == null) {
            putMeta(FORMAT_VERSION_KEY, ByteBuffer.allocate(Integer.BYTES).putInt(FORMAT_VERSION).array());
            return;
        }
        if (stored.length != Integer.BYTES) {
            throw new StoreException("The store in " + path + " has a corrupt format version ("
                    + stored.length + " bytes)");
        }
        int version = ByteBuffer.wrap(stored).getInt();
        if (version > FORMAT_VERSION) {
            throw new StoreException("The store in " + path + " has format version " + version
                    + ", written by a newer broker; this broker reads up to version " + FORMAT_VERSION);
        }
        if (version < FORMAT_VERSION) {
            throw new StoreException("The store in " + path + " has format version " + version
                    + ", written by a pre-release build; this broker reads version " + FORMAT_VERSION
                    + " only. Move the data directory aside (or delete it) and start again.");
        }
    }

    /** The database directory ({@code <dataDir>/store}), absolute. */
    public Path path() {
        return path;
    }

    /** The value stored under {@code key}, or null. */
    public byte[] get(ColumnFamily cf, byte[] key) {
        ensureOpen();
        try {
            return db.get(handles.get(cf), key);
        } catch (RocksDBException e) {
            throw failure("read from", cf, e);
        }
    }

    /** Stores {@code value} under {@code key}, replacing any earlier value; in the OS's WAL on return. */
    public void put(ColumnFamily cf, byte[] key, byte[] value) {
        ensureOpen();
        try {
            db.put(handles.get(cf), writeOptions, key, value);
        } catch (RocksDBException e) {
            throw failure("write to", cf, e);
        }
    }

    /** Removes {@code key}, if present; in the OS's WAL on return. */
    public void delete(ColumnFamily cf, byte[] key) {
        ensureOpen();
        try {
            db.delete(handles.get(cf), writeOptions, key);
        } catch (RocksDBException e) {
            throw failure("delete from", cf, e);
        }
    }

    /** Passes every entry of {@code cf} to {@code sink}, in ascending unsigned byte order of keys. */
    public void scan(ColumnFamily cf, BiConsumer<byte[], byte[]> sink) {
        try (Cursor cursor = cursor(cf)) {
            for (; cursor.valid(); cursor.next()) {
                sink.accept(cursor.key(), cursor.value());
            }
        }
    }

    /** Passes every entry of {@code cf} whose key starts with {@code prefix} to {@code sink}, in key order. */
    public void scanPrefix(ColumnFamily cf, byte[] prefix, BiConsumer<byte[], byte[]> sink) {
        try (Cursor cursor = cursor(cf, prefix, prefixEnd(prefix))) {
            for (; cursor.valid() && startsWith(cursor.key(), prefix); cursor.next()) {
                sink.accept(cursor.key(), cursor.value());
            }
        }
    }

    /** A cursor over all of {@code cf}, positioned at its first entry. The caller closes it. */
    public Cursor cursor(ColumnFamily cf) {
        return cursor(cf, null, null);
    }

    /**
     * A cursor over the keys of {@code cf} in {@code [fromInclusive, toExclusive)}, positioned at the first of
     * them. Either bound may be null for "unbounded". The caller closes it.
     */
    public Cursor cursor(ColumnFamily cf, byte[] fromInclusive, byte[] toExclusive) {
        ensureOpen();
        return new Cursor(db, cf, handles.get(cf), fromInclusive, toExclusive);
    }

    /** A new, empty batch, applied atomically by {@link #write(Batch)} or {@link #writeDurably(Batch)}. */
    public Batch newBatch() {
        ensureOpen();
        return new Batch();
    }

    /** Applies {@code batch} atomically; in the OS's WAL on return (survives a process crash). */
    public void write(Batch batch) {
        write(batch.writeBatch);
    }

    /**
     * Applies {@code batch} atomically, then fsyncs the WAL: on return the change survives a power loss. The
     * fsync does not hold up other threads' writes: RocksDB commits concurrent writes in groups, and a
     * {@code sync=true} write would make every write that joins its group, or queues behind it, wait until its
     * fsync is done (those are event-loop writes: sessions, device-message queues). Here the write is a plain
     * one and the fsync ({@code SyncWAL}) runs outside the write queue.
     *
     * <p>The change is visible to reads of this store as soon as the write returns, before the fsync; a caller
     * that promises durability before visibility gates its readers itself (the status log publishes its last
     * offset only after this returns).
     */
    public void writeDurably(Batch batch) {
        writeDurably(batch.writeBatch);
    }

    /** {@link #writeDurably(Batch)} for a raw RocksDB batch. Use {@link #handle} to build it. */
    public void writeDurably(WriteBatch batch) {
        ensureOpen();
        try {
            db.write(writeOptions, batch);
            db.syncWal();
        } catch (RocksDBException e) {
            throw new StoreException("Cannot write a batch to the store in " + path + ": " + e.getMessage(), e);
        }
    }

    /** Applies a raw RocksDB batch atomically; in the OS's WAL on return. Use {@link #handle} to build it. */
    public void write(WriteBatch batch) {
        ensureOpen();
        try {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StoreException("Cannot write a batch to the store in " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the WAL's in-process buffer to the OS and, with {@code sync}, fsyncs it: afterwards every earlier
     * write survives a power loss.
     */
    public void flushWal(boolean sync) {
        ensureOpen();
        try {
            db.flushWal(sync);
        } catch (RocksDBException e) {
            throw new StoreException("Cannot flush the WAL of the store in " + path + ": " + e.getMessage(), e);
        }
    }

    /** The column family handle of {@code cf}, for building raw {@link WriteBatch}es. Valid until close. */
    public ColumnFamilyHandle handle(ColumnFamily cf) {
        ensureOpen();
        return handles.get(cf);
    }

    /** The meta value named {@code key}, or null. */
    public byte[] getMeta(String key) {
        return get(ColumnFamily.META, key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Approximate bytes a column family occupies (SST files plus memtables), for size-based retention.
     */
    public long approximateSize(ColumnFamily cf) {
        ColumnFamilyHandle h = handle(cf);
        try {
            return db.getLongProperty(h, "rocksdb.total-sst-files-size")
                    + db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            throw new StoreException("Cannot read the size of column family '" + cf.id() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the keys in [{@code fromInclusive}, {@code toExclusive}) of one column family, durably
     * (WAL synced).
     */
    public void deleteRange(ColumnFamily cf, byte[] fromInclusive, byte[] toExclusive) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(handle(cf), fromInclusive, toExclusive);
            writeDurably(batch);
        } catch (RocksDBException e) {
            throw new StoreException("Cannot delete a range of column family '" + cf.id() + "': " + e.getMessage(), e);
        }
    }

    /** Sets the meta value named {@code key}; in the OS's WAL on return. */
    public void putMeta(String key, byte[] value) {
        put(ColumnFamily.META, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /**
     * Syncs the WAL and releases every native resource. Idempotent. Must not run concurrently with other uses
     * of the store.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            LOG.warn("Cannot sync the WAL of the store in {} before closing it", path, e);
        }
        closeAll(resources);
    }

    /**
     * The smallest key greater than every key starting with {@code prefix}, or null if there is none (the
     * prefix is empty or all 0xFF).
     */
    static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }

    /** A key for messages: its first 64 bytes, printable ASCII as is and other bytes as {@code \xNN}. */
    static String describeKey(byte[] key) {
        int shown = Math.min(key.length, 64);
        StringBuilder text = new StringBuilder("\"");
        for (int i = 0; i < shown; i++) {
            int b = key[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F && b != '\\' && b != '"') {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b));
            }
        }
        return text.append(shown < key.length ? "...\"" : "\"").toString();
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("The store in " + path + " is closed");
        }
    }

    private StoreException failure(String action, ColumnFamily cf, RocksDBException e) {
        return new StoreException("Cannot " + action + " column family '" + cf.id() + "' of the store in " + path
                + ": " + e.getMessage(), e);
    }

    private static <T extends AutoCloseable> T own(Deque<AutoCloseable> resources, T resource) {
        resources.push(resource);
        return resource;
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Cannot release {}", resource.getClass().getSimpleName(), e);
            }
        }
    }

    /**
     * Changes to apply atomically. Not thread-safe. Close it after writing (or abandoning) it.
     */
    public final class Batch implements AutoCloseable {

        private final WriteBatch writeBatch = new WriteBatch();

        private Batch() {
        }

        /** Adds a put of {@code value} under {@code key}. */
        public Batch put(ColumnFamily cf, byte[] key, byte[] value) {
            try {
                writeBatch.put(handles.get(cf), key, value);
            } catch (RocksDBException e) {
                throw failure("batch a write to", cf, e);
            }
            return this;
        }

        /** Adds a delete of {@code key}. */
        public Batch delete(ColumnFamily cf, byte[] key) {
            try {
                writeBatch.delete(handles.get(cf), key);
            } catch (RocksDBException e) {
                throw failure("batch a delete from", cf, e);
            }
            return this;
        }

        /**
         * Adds a delete of every key starting with {@code prefix}, as one range tombstone: constant cost however
         * many keys it covers, and no read.
         *
         * @throws IllegalArgumentException if the prefix is empty or all 0xFF (the range would have no end)
         */
        public Batch deletePrefix(ColumnFamily cf, byte[] prefix) {
            byte[] end = prefixEnd(prefix);
            if (end == null) {
                throw new IllegalArgumentException("A prefix delete needs a prefix with a byte below 0xFF");
            }
            try {
                writeBatch.deleteRange(handles.get(cf), prefix, end);
            } catch (RocksDBException e) {
                throw failure("batch a range delete from", cf, e);
            }
            return this;
        }

        /** How many changes the batch holds. */
        public int count() {
            return writeBatch.count();
        }

        @Override
        public void close() {
            writeBatch.close();
        }
    }

    /**
     * An iterator over a range of one column family, seeing the data as of its creation; it starts on
     * the range's first entry. Not thread-safe. Close it before the store.
     */
    public static final class Cursor implements AutoCloseable {

        private final ColumnFamily cf;
        private final Slice lowerBound;
        private final Slice upperBound;
        private final ReadOptions readOptions;
        private final RocksIterator iterator;

        private Cursor(RocksDB db, ColumnFamily cf, ColumnFamilyHandle handle, byte[] fromInclusive,
                       byte[] toExclusive) {
            this.cf = cf;
            this.lowerBound = fromInclusive == null ? null : new Slice(fromInclusive);
            this.upperBound = toExclusive == null ? null : new Slice(toExclusive);
            this.readOptions = new ReadOptions();
            if (lowerBound != null) {
                readOptions.setIterateLowerBound(lowerBound);
            }
            if (upperBound != null) {
                readOptions.setIterateUpperBound(upperBound);
            }
            this.iterator = db.newIterator(handle, readOptions);
            iterator.seekToFirst();
        }

        /** Whether the cursor is on an entry; false once past the last one. */
        public boolean valid() {
            if (iterator.isValid()) {
                return true;
            }
            try {
                iterator.status();
            } catch (RocksDBException e) {
                throw new StoreException("Cannot iterate over column family '" + cf.id() + "': "
                        + e.getMessage(), e);
            }
            return false;
        }

        /** The current key. Only while {@link #valid()}. */
        public byte[] key() {
            return iterator.key();
        }

        /** The current value. Only while {@link #valid()}. */
        public byte[] value() {
            return iterator.value();
        }

        /** Moves to the next entry. */
        public void next() {
            iterator.next();
        }

        /** Moves to the first entry whose key is at least {@code key} (and within the cursor's range). */
        public void seek(byte[] key) {
            iterator.seek(key);
        }

        /** Moves to the last entry whose key is at most {@code key} (and within the cursor's range). */
        public void seekForPrev(byte[] key) {
            iterator.seekForPrev(key);
        }

        /** Moves to the range's last entry. */
        public void seekToLast() {
            iterator.seekToLast();
        }

        /** Moves to the previous entry. */
        public void prev() {
            iterator.prev();
        }

        @Override
        public void close() {
            iterator.close();
            readOptions.close();
            if (lowerBound != null) {
                lowerBound.close();
            }
            if (upperBound != null) {
                upperBound.close();
            }
        }
    }
}
