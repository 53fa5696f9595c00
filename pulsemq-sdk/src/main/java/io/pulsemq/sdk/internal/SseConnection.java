package io.pulsemq.sdk.internal;

import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.sdk.ApiTimeoutException;
import io.pulsemq.sdk.PulseMqException;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code GET /status/events} connection, read asynchronously (no thread waits on it): lines arrive through a
 * {@link Flow.Subscriber} one at a time, are parsed by {@link SseParser}, and each event goes to the
 * {@link Handler}. Demand is one line at a time, so {@link #pause()} stops reading at once and TCP pushes back on
 * the broker. An idle watchdog ends a connection that sent nothing (not even the 15-second heartbeat) for
 * {@code idleTimeout}: a silently dead network would otherwise go unnoticed.
 *
 * <p>The handler is called on HTTP client threads, one call at a time; {@link Handler#onClosed} is called exactly
 * once unless {@link #cancel()} came first.
 */
public final class SseConnection {

    /** What a connection reports. */
    public interface Handler {
        /** The broker answered 200: the stream is open. */
        void onOpen();

        /** One event, in offset order; answers false to {@link #pause()} reading until {@link #resume()}. */
        boolean onEvent(StatusEvent event);

        /**
         * The connection ended: {@code error} is null when the broker ended it, a {@code StatusApiException} for an
         * error answer (410: the offset is too old), or the transport failure.
         */
        void onClosed(Throwable error);
    }

    private final Handler handler;
    private final String url;
    private final Duration idleTimeout;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final SseParser parser = new SseParser();
    private volatile long lastActivity = System.nanoTime();
    private volatile Flow.Subscription subscription;
    private volatile CompletableFuture<?> exchange;
    private volatile ScheduledFuture<?> watchdog;
    private boolean paused;
    private boolean waiting;

    private SseConnection(Handler handler, String url, Duration idleTimeout) {
        this.handler = handler;
        this.url = url;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Opens {@code /status/events} with {@code query}; {@code lastEventId} (may be null) is sent as
     * {@code Last-Event-ID}.
     */
    public static SseConnection open(HttpTransport transport, String query, String lastEventId, Handler handler,
                                     ScheduledExecutorService timer, Duration idleTimeout) {
        HttpRequest.Builder b = transport.request("/status/events" + query, false)
                .header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpRequest request = b.build();
        SseConnection c = new SseConnection(handler, request.uri().toString(), idleTimeout);
        long period = Math.max(1, idleTimeout.toMillis() / 4);
        c.watchdog = timer.scheduleAtFixedRate(c::checkIdle, period, period, TimeUnit.MILLISECONDS);
        c.exchange = transport.http().sendAsync(request, c::bodyHandler)
                .whenComplete((r, e) -> c.finish(e == null ? null : unwrap(e)));
        return c;
    }

    private HttpResponse.BodySubscriber<Void> bodyHandler(HttpResponse.ResponseInfo info) {
        lastActivity = System.nanoTime();
        if (info.statusCode() != 200) {
            return BodySubscribers.mapping(BodySubscribers.ofByteArray(), body -> {
                finish(HttpTransport.error(info.statusCode(), body));
                return null;
            });
        }
        handler.onOpen();
        return BodySubscribers.fromLineSubscriber(new Lines(), s -> null, StandardCharsets.UTF_8, null);
    }

    /** Stops requesting lines until {@link #resume()}. */
    public void pause() {
        synchronized (this) {
            paused = true;
        }
    }

    /** Requests lines again after {@link #pause()}. */
    public void resume() {
        boolean request;
        synchronized (this) {
            paused = false;
            request = waiting;
            waiting = false;
        }
        lastActivity = System.nanoTime();
        if (request && subscription != null) {
            subscription.request(1);
        }
    }

    /** Ends the connection without calling {@link Handler#onClosed}. */
    public void cancel() {
        if (finished.compareAndSet(false, true)) {
            release();
        }
    }

    private void release() {
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<?> x = exchange;
        if (x != null) {
            x.cancel(true);
        }
    }

    private void finish(Throwable error) {
        if (finished.compareAndSet(false, true)) {
            release();
            handler.onClosed(error);
        }
    }

    private void checkIdle() {
        boolean isPaused;
        synchronized (this) {
            isPaused = paused;
        }
        if (!isPaused && System.nanoTime() - lastActivity > idleTimeout.toNanos()) {
            finish(new ApiTimeoutException(url, "the status stream sent nothing for " + idleTimeout.toMillis()
                    + " ms", null));
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof java.io.IOException io ? HttpTransport.unavailable("the status stream", io) : cause;
    }

    /** Receives the body line by line. */
    private final class Lines implements Flow.Subscriber<String> {

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (finished.get()) {
                s.cancel();
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(String line) {
            lastActivity = System.nanoTime();
            if (finished.get()) {
                return;
            }
            try {
                SseParser.Message m = parser.feed(line);
                if (m != null && !handler.onEvent(Json.event(m.data()))) {
                    pause();
                }
            } catch (PulseMqException e) {
                finish(e);
                return;
            }
            boolean request;
            synchronized (SseConnection.this) {
                request = !paused;
                waiting = paused;
            }
            if (request) {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            finish(unwrap(t));
        }

        @Override
        public void onComplete() {
            finish(null);
        }
    }
}
