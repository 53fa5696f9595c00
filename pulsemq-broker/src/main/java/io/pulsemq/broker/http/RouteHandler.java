package io.pulsemq.broker.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Answers the requests of one route.
 *
 * <p><b>Threading.</b> {@link #handle} is called on the connection's Netty event loop and must not block:
 * no disk or store reads that may wait, no locks held long, no {@code join()}. Work that can wait belongs on
 * another executor; return a stage it completes. The response is written when the stage completes, on the
 * event loop, in request order even when requests are pipelined. A handler that throws or fails its stage
 * is answered with {@code 500} and the error is logged; its message is not sent to the client.
 */
@FunctionalInterface
public interface RouteHandler {

    /** Produces the response to {@code request}. */
    CompletionStage<HttpResponse> handle(HttpRequest request) throws Exception;

    /** A handler that answers at once, on the event loop; {@code function} must be fast and non-blocking. */
    static RouteHandler of(Function<HttpRequest, HttpResponse> function) {
        return request -> CompletableFuture.completedFuture(function.apply(request));
    }
}
