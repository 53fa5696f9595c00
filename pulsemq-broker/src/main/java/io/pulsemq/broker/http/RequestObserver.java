package io.pulsemq.broker.http;

/**
 * Told of every routed request once its answer is known (for a streamed answer: when the stream
 * starts). Called on an event loop or a handler's thread; must be quick and thread-safe.
 */
@FunctionalInterface
public interface RequestObserver {

    /**
     * @param method  the route's method
     * @param pattern the route's path pattern, e.g. {@code /api/v1/clients/{clientId}} (never the raw path,
     *                so metrics stay bounded)
     * @param status  the HTTP status answered
     * @param nanos   time from dispatch to the answer
     */
    void answered(String method, String pattern, int status, long nanos);
}
