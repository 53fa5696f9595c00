package io.pulsemq.broker.statuslog;

import io.pulsemq.broker.metrics.BrokerMetrics;
import io.pulsemq.broker.session.Admission;
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
    private final BrokerMetrics metrics;

    public StatusRecorder(StatusLog log, Clock clock, BrokerMetrics metrics) {
        this.log = log;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public Admission admission() {
        if (log.unavailable().isPresent()) {
            return Admission.UNAVAILABLE;
        }
        return log.acceptingConnects() ? Admission.OPEN : Admission.BUSY;
    }

    @Override
    public void rejected(ConnectionInfo attempt, String reason, String detail) {
        metrics.connectRejected();
        log.recordRejected(new RejectedConnect(attempt.clientId(), attempt.connectionId(), attempt.remoteAddress(),
                attempt.connectedAt(), reason, detail));
    }

    @Override
    public CompletionStage<?> connected(ConnectionInfo connection) {
        return append(EventType.CONNECT, connection, null, clock.millis());
    }

    @Override
    public CompletionStage<?> disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason) {
        long now = clock.millis();
        if (clientSentDisconnect) {
            append(EventType.DISCONNECT, connection, DisconnectReason.CLIENT_DISCONNECT, now);
            return append(EventType.TCPCLEAN, connection, DisconnectReason.CLIENT_DISCONNECT, now);
        }
        return append(EventType.TCPCLEAN, connection, reason, now);
    }

    private CompletionStage<?> append(EventType type, ConnectionInfo connection, DisconnectReason reason, long now) {
        metrics.statusEvent(type, reason);
        return log.append(new EventDraft(type, connection, reason, now));
    }
}
