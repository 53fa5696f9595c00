package io.pulsemq.it;

import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.protocol.DisconnectReason;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records every lifecycle call in arrival order; thread-safe. */
final class RecordingListener implements LifecycleListener {

    /**
     * One call.
     *
     * @param connected            true for {@code connected}, false for {@code disconnected}
     * @param reason               why it ended; null for {@code connected}
     * @param clientSentDisconnect whether the client sent DISCONNECT (false for {@code connected})
     */
    record Call(boolean connected, String clientId, String connectionId, DisconnectReason reason,
                boolean clientSentDisconnect) {

        static Call connected(String clientId, String connectionId) {
            return new Call(true, clientId, connectionId, null, false);
        }

        static Call disconnected(String clientId, String connectionId, DisconnectReason reason) {
            return new Call(false, clientId, connectionId, reason, false);
        }
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<?> connected(ConnectionInfo connection) {
        calls.add(Call.connected(connection.clientId(), connection.connectionId()));
        return DONE;
    }

    @Override
    public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason) {
        calls.add(new Call(false, connection.clientId(), connection.connectionId(), reason, clientSentDisconnect));
        return DONE;
    }

    /** The calls for one client ID, in order. */
    List<Call> of(String clientId) {
        return calls.stream().filter(c -> c.clientId().equals(clientId)).collect(Collectors.toList());
    }
}
