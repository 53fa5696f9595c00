package io.pulsemq.broker.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Kicks a client whose connection another node of the cluster holds. */
@FunctionalInterface
public interface RemoteKicks {

    /** One node: nobody else to ask. */
    RemoteKicks NONE = clientId -> CompletableFuture.completedFuture(false);

    /** Completes with true once the client's end is recorded by the node that held it, false if none did. */
    CompletionStage<Boolean> kick(String clientId);
}
