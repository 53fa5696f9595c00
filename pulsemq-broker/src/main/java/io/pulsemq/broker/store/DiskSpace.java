package io.pulsemq.broker.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The free space of the file system under the data directory, against a floor: a store that runs into a full disk
 * fails its writes for good (RocksDB's write-ahead log stays in its error state until the database is reopened), so
 * the broker refuses new work while free space is below the floor and takes it again once space is back.
 *
 * <p>{@link #low()} may be called on any thread, event loops included: it asks the file system at most every
 * {@value #RECHECK_MILLIS} ms (one {@code statfs}) and answers from memory in between.
 */
public final class DiskSpace {

    /** A floor of 0: never low. */
    public static final DiskSpace UNBOUNDED = new DiskSpace(null, 0);

    static final long RECHECK_MILLIS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);

    private final FileStore fileStore;
    private final long minFree;
    private volatile long checkedAtNanos = System.nanoTime() - RECHECK_MILLIS * 2_000_000;
    private volatile long usable = Long.MAX_VALUE;
    private volatile boolean low;
    private volatile boolean warned;

    private DiskSpace(FileStore fileStore, long minFree) {
        this.fileStore = fileStore;
        this.minFree = minFree;
    }

    /**
     * The free space under {@code dir} against {@code minFreeBytes} (0: never low).
     *
     * @throws StoreException if the file system of {@code dir} cannot be found
     */
    public static DiskSpace of(Path dir, long minFreeBytes) {
        if (minFreeBytes <= 0) {
            return UNBOUNDED;
        }
        try {
            return new DiskSpace(Files.getFileStore(dir), minFreeBytes);
        } catch (IOException e) {
            throw new StoreException("cannot find the file system of " + dir, e);
        }
    }

    /** Whether free space is below the floor now (as of at most {@value #RECHECK_MILLIS} ms ago). */
    public boolean low() {
        if (fileStore == null) {
            return false;
        }
        long now = System.nanoTime();
        if (now - checkedAtNanos >= RECHECK_MILLIS * 1_000_000) {
            checkedAtNanos = now;
            refresh();
        }
        return low;
    }

    /** Free bytes as last seen ({@link Long#MAX_VALUE} without a floor). */
    public long usable() {
        return usable;
    }

    /** The floor in bytes (0: none). */
    public long minFree() {
        return minFree;
    }

    private void refresh() {
        long free;
        try {
            free = fileStore.getUsableSpace();
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot read the free space of {}: {}; not refusing work for it", fileStore, e.getMessage());
            }
            return;
        }
        usable = free;
        boolean nowLow = free < minFree;
        if (nowLow != low) {
            if (nowLow) {
                LOG.error("free disk space {} MiB is below statusLog.minFreeDisk ({} MiB): refusing new connections "
                        + "until there is room again", free >> 20, minFree >> 20);
            } else {
                LOG.info("free disk space {} MiB is back above statusLog.minFreeDisk ({} MiB): accepting connections",
                        free >> 20, minFree >> 20);
            }
            low = nowLow;
        }
    }
}
