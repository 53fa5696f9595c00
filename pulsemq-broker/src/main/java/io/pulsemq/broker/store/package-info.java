/**
 * The embedded durable store: one RocksDB database under {@code <dataDir>/store} with a column family per
 * kind of state ({@link io.pulsemq.broker.store.ColumnFamily}), the binary record format
 * ({@link io.pulsemq.broker.store.MessageCodec}), and the RocksDB-backed implementations of the broker's
 * storage interfaces ({@link io.pulsemq.broker.store.RocksSessionStore},
 * {@link io.pulsemq.broker.store.RocksRetainedStore}).
 *
 * <p>Durability: writes reach RocksDB's write-ahead log in the operating system before they return, so they
 * survive a crash of the broker process but not a power loss or kernel crash; callers that need more use
 * {@link io.pulsemq.broker.store.RocksStore#writeDurably} or {@link io.pulsemq.broker.store.RocksStore#flushWal}.
 * The composition root owns the {@link io.pulsemq.broker.store.RocksStore} and closes it after every store
 * built on it.
 */
package io.pulsemq.broker.store;
