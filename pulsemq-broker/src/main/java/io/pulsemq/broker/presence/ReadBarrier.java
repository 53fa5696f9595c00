package io.pulsemq.broker.presence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a status query waits for before it reads the {@link PresenceRegistry}: that every event acknowledged anywhere
 * before the query began has been applied here. On one node the registry is updated before an append completes, so
 * there is nothing to wait for ({@link #NONE}); a cluster node catches its mirror up to the stream.
 */
@FunctionalInterface
public interface ReadBarrier {

    /** A barrier that is always passed: the registry is written by the only node there is. */
    ReadBarrier NONE = () -> CompletableFuture.completedFuture(null);

    /**
     * Completes once the registry holds every event acknowledged before this call; completes exceptionally when
     * that cannot be known (the cluster's engine cannot be reached). Never blocks; the stage may complete on another
     * thread.
     */
    CompletionStage<Void> sync();

    /** Whether {@link #sync} is always complete at once, so a caller may skip the wait (and a thread switch). */
    default boolean immediate() {
        return this == NONE;
    }
}
