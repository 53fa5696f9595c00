package io.pulsemq.broker.bootstrap;

import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.http.HttpRoutes;
import io.pulsemq.broker.http.RouteHandler;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.store.StoreWriter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /health} (= ready), open to anyone (load balancers and
 * orchestrators): live answers 200 while the process serves HTTP; ready answers 200 only once every listener is
 * bound, while the status log can write (its writer runs, the store takes writes, the disk is above its floor) and
 * while the store's writer is not failing (sessions, retained messages and queues are stored), and otherwise 503 {@code {"status": "DOWN", "reason": ...}}: exactly when new connections are refused.
 */
final class HealthChecks {

    private final StatusLog log;
    private final StoreWriter writer;
    private volatile boolean started;

    HealthChecks(StatusLog log, StoreWriter writer) {
        this.log = log;
        this.writer = writer;
    }

    /** Every listener is bound: ready from now on, as far as listeners go. */
    void started() {
        started = true;
    }

    /** Registers the three routes. */
    HttpRoutes register(HttpRoutes routes) {
        RouteHandler ready = RouteHandler.of(request -> ready());
        return routes
                .get("/health/live", RouteHandler.of(request -> HttpResponse.json(200, Map.of("status", "UP"))))
                .get("/health/ready", ready)
                .get("/health", ready);
    }

    private HttpResponse ready() {
        Optional<String> down = !started ? Optional.of("the broker is starting")
                : log.unavailable().or(() -> writer.failure().map(f -> "the store refuses session writes: " + f));
        if (down.isEmpty()) {
            return HttpResponse.json(200, Map.of("status", "UP"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "DOWN");
        body.put("reason", down.get());
        return HttpResponse.json(503, body);
    }
}
