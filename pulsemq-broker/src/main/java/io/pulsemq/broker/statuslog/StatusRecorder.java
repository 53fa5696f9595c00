package io.pulsemq.broker.statuslog;

import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;

import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * Turns connection lifecycles into status events: {@code connect} when a connection is accepted;
 * on its end, {@code disconnect} then {@code tcpclean} (both {@code client_disconnect}) when the
 * client said goodbye, otherwise one {@code tcpclean} with the reason that ended it.
 */
public final class StatusRecorder implements LifecycleListener {

    private final StatusLog log;
    private final Clock clock;

    public StatusRecorder(StatusLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    @Override
    public boolean admits() {
        return log.acceptingConnects();
    }

    @Override
    public void rejected(ConnectionInfo attempt, DisconnectReason reason, String detail) {
        log.recordRejected(new RejectedConnect(attempt.clientId(), attempt.connectionId(), attempt.remoteAddress(),
                attempt.connectedAt(), reason.wireName(), detail));
    }

    @Override
    public CompletionStage<?> connected(ConnectionInfo connection) {
        return log.append(new EventDraft(EventType.CONNECT, connection, null, clock.millis()));
    }

    @Override
    public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason) {
        long now = clock.millis();
        if (clientSentDisconnect) {
            log.append(new EventDraft(EventType.DISCONNECT, connection, DisconnectReason.CLIENT_DISCONNECT, now));
            return log.append(new EventDraft(EventType.TCPCLEAN, connection, DisconnectReason.CLIENT_DISCONNECT, now));
        }
        return log.append(new EventDraft(EventType.TCPCLEAN, connection, reason, now));
    }
}
