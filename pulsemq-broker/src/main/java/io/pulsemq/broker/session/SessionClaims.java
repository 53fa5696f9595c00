package io.pulsemq.broker.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Brings a client's persistent session to this node before its connection is attached, when another node of the
 * cluster holds it (cluster mode); the CONNACK waits for it.
 */
@FunctionalInterface
public interface SessionClaims {

    /** One node: every session there is is here. */
    SessionClaims NONE = info -> CompletableFuture.completedFuture(null);

    /**
     * Completes once the session of {@code info}'s client is here if another node had one (it was moved and
     * {@linkplain SessionRegistry#adopt adopted}), or it is known that none can be had; never exceptionally.
     */
    CompletionStage<Void> claim(ConnectionInfo info);
}
