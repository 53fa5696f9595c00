package io.pulsemq.broker.session;

import io.pulsemq.protocol.DisconnectReason;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Told of every connection's start and end, in per-client order: for one client ID the calls never
 * interleave (a takeover reports the old connection's end before the new one's start). Called with
 * that client's lifecycle lock held, so an implementation that queues a record here queues the
 * records of one client in order. Must be fast, must not block, and must not call back into the
 * {@link SessionRegistry}.
 */
public interface LifecycleListener {

    /** An already completed stage, for listeners with nothing to wait for. */
    CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    /**
     * Whether a new connection may be accepted now; anything but {@link Admission#OPEN} refuses it before any
     * state changes.
     */
    default Admission admission() {
        return Admission.OPEN;
    }

    /**
     * A connection was accepted. Its CONNACK is sent when the returned stage completes (for example
     * once the {@code connect} event is durable); an exceptional completion refuses the connection, which then
     * never existed for the listener: it is {@linkplain SessionRegistry#abandon abandoned} and gets no
     * {@link #disconnected} call.
     */
    CompletionStage<?> connected(ConnectionInfo connection);

    /**
     * A connection ended.
     *
     * @param clientSentDisconnect whether the client sent DISCONNECT before the end
     * @param reason               why it ended
     * @return completes once the end is recorded
     */
    CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason);

    /**
     * A connection attempt was refused before it was accepted (bad credentials, invalid client ID,
     * protocol error in CONNECT, a limit). Not a status event; kept for the client's trace. Best effort.
     *
     * @param attempt what the attempt presented (the client ID may be empty)
     * @param reason  the trace's reason: {@code not_authorized} or {@code protocol_error} (a
     *                {@link DisconnectReason#wireName()}), {@code quota_exceeded} (a connection limit) or
     *                {@code connection_rate_exceeded}
     * @param detail  a secret-free explanation
     */
    default void rejected(ConnectionInfo attempt, String reason, String detail) {
    }

    /**
     * Both listeners, {@code first} then {@code second}, for every call; the stages returned are
     * {@code first}'s (the second is only told).
     */
    static LifecycleListener both(LifecycleListener first, LifecycleListener second) {
        return new LifecycleListener() {
            @Override
            public Admission admission() {
                Admission a = first.admission();
                return a != Admission.OPEN ? a : second.admission();
            }

            @Override
            public CompletionStage<?> connected(ConnectionInfo connection) {
                CompletionStage<?> stage = first.connected(connection);
                second.connected(connection);
                return stage;
            }

            @Override
            public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect,
                                                   DisconnectReason reason) {
                CompletionStage<?> stage = first.disconnected(connection, clientSentDisconnect, reason);
                second.disconnected(connection, clientSentDisconnect, reason);
                return stage;
            }

            @Override
            public void rejected(ConnectionInfo attempt, String reason, String detail) {
                first.rejected(attempt, reason, detail);
                second.rejected(attempt, reason, detail);
            }
        };
    }

    /** A listener that does nothing. */
    LifecycleListener NONE = new LifecycleListener() {
        @Override
        public CompletionStage<?> connected(ConnectionInfo connection) {
            return DONE;
        }

        @Override
        public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason) {
            return DONE;
        }
    };
}
