package io.pulsemq.sdk;

import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.sdk.internal.HttpTransport;
import io.pulsemq.sdk.internal.SseConnection;
import io.pulsemq.sdk.internal.Threads;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.StringJoiner;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Status events from an offset, in offset order, for exporters and analytics: a blocking {@link Iterator} (pull
 * style, so the consumer sets the pace; reading pauses while the buffer is full and TCP slows the broker down).
 *
 * <pre>{@code
 * try (StatusStream events = StatusStream.builder().client(client).group("GID_car").from(savedOffset).open()) {
 *     while (events.hasNext()) {
 *         StatusEvent e = events.next();
 *         write(e);
 *         savedOffset = e.offset();      // persist now and then; restart with from(savedOffset)
 *     }
 * }
 * }</pre>
 *
 * <p>Delivery: every event with an offset greater than {@code from} that the filter matches, in offset order.
 * Within one instance there are no gaps and no duplicates: after any disconnect it reconnects with exponential
 * backoff and jitter and resumes with {@code Last-Event-ID} after the last event it received. Across restarts it is
 * at-least-once: start again from the offset you persisted after processing, and the events after it come again.
 * If the broker no longer retains that offset, {@link #next()} throws
 * {@link StatusApiException.GoneException}: events were lost to retention and the consumer must decide (e.g. take
 * a {@link StatusClient#snapshot} and continue from its revision).
 *
 * <p>One consumer thread at a time. {@link #close()} ends the connection and the stream's thread; a blocked
 * {@link #next()} then ends with {@link NoSuchElementException} ({@link #hasNext()} false).
 */
public final class StatusStream implements Iterator<StatusEvent>, AutoCloseable {

    private static final StatusEvent END = new StatusEvent(-1, "", "", EventType.TCPCLEAN, null, null, 0, 0, null,
            null, null, null);

    private final StatusClient client;
    private final boolean ownsClient;
    private final String query;
    private final Backoff backoff;
    private final Duration idleTimeout;
    private final int capacity;
    private final BlockingQueue<StatusEvent> queue;
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, Threads.factory("stream"));

    private volatile boolean closed;
    private volatile RuntimeException failure;
    /** Offset of the last event received (queued); the resume point. Connection side only. */
    private volatile long received;
    /** Offset of the last event returned by {@link #next()}. */
    private volatile long position;
    private volatile SseConnection connection;
    private int attempt;
    private StatusEvent peeked;

    private StatusStream(Builder b, StatusClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.backoff = b.backoff;
        this.idleTimeout = b.idleTimeout;
        this.capacity = b.bufferSize;
        this.queue = new LinkedBlockingQueue<>();
        this.received = b.from;
        this.position = b.from;
        StringJoiner types = new StringJoiner(",");
        if (b.types != null) {
            b.types.forEach(t -> types.add(t.wireName()));
        }
        this.query = HttpTransport.query(HttpTransport.params("group", b.group,
                "types", b.types == null ? null : types.toString()));
        thread.setRemoveOnCancelPolicy(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The offset of the last event {@link #next()} returned (initially {@code from}): persist it to resume. */
    public long position() {
        return position;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            connection = SseConnection.open(client.transport(), query, Long.toString(received), new SseConnection.Handler() {
                @Override
                public void onOpen() {
                    thread.execute(() -> attempt = 0);
                }

                @Override
                public boolean onEvent(StatusEvent event) {
                    received = event.offset();
                    queue.add(event);
                    return queue.size() < capacity;
                }

                @Override
                public void onClosed(Throwable error) {
                    ended(error);
                }
            }, thread, idleTimeout);
        } catch (RuntimeException e) {
            ended(e);
        }
    }

    private void ended(Throwable error) {
        if (closed) {
            return;
        }
        if (error instanceof StatusApiException api && api.status() >= 400 && api.status() < 500
                && api.status() != 429) {
            // 410 (offset too old), 401, 403, 400: reconnecting would answer the same.
            failure = api;
            queue.offer(END);
            return;
        }
        try {
            thread.schedule(this::connect, backoff.delay(++attempt).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    /** Waits for the next event; false only after {@link #close()}. */
    @Override
    public boolean hasNext() {
        if (peeked != null) {
            return peeked != END;
        }
        try {
            peeked = take(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PulseMqException("interrupted while waiting for a status event", e);
        }
        return peeked != END;
    }

    /** The next event, waiting as long as it takes. */
    @Override
    public StatusEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the status stream is closed");
        }
        StatusEvent e = peeked;
        peeked = null;
        position = e.offset();
        return e;
    }

    /**
     * The next event, or null if none came within {@code timeout}.
     *
     * @throws NoSuchElementException after {@link #close()}
     */
    public StatusEvent poll(Duration timeout) throws InterruptedException {
        if (peeked == null) {
            peeked = take(timeout);
            if (peeked == null) {
                return null;
            }
        }
        return next();
    }

    private StatusEvent take(Duration timeout) throws InterruptedException {
        StatusEvent e = timeout == null ? queue.take() : queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (e == END) {
            queue.offer(END);
            if (failure != null) {
                throw failure;
            }
            return END;
        }
        SseConnection c = connection;
        if (e != null && c != null && queue.size() < capacity / 2) {
            c.resume();
        }
        return e;
    }

    /** The events as a sequential stream (infinite until {@link #close()}). */
    public Stream<StatusEvent> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Ends the connection and the stream's thread. Idempotent; may be called from any thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        SseConnection c = connection;
        if (c != null) {
            c.cancel();
        }
        thread.shutdownNow();
        queue.clear();
        queue.offer(END);
        if (ownsClient) {
            client.close();
        }
    }

    /** Builds and opens a {@link StatusStream}. */
    public static final class Builder {
        private StatusClient client;
        private String group;
        private Set<EventType> types;
        private long from = -1;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration idleTimeout = Duration.ofSeconds(45);
        private int bufferSize = 1024;

        private Builder() {
        }

        /** The client to use (not closed by the stream). Required. */
        public Builder client(StatusClient client) {
            this.client = client;
            return this;
        }

        /** One group; null (default) for every group the key sees. */
        public Builder group(String group) {
            this.group = group;
            return this;
        }

        /** Only these event types (default: all). */
        public Builder types(Set<EventType> types) {
            this.types = types == null ? null : Set.copyOf(types);
            return this;
        }

        /** Deliver events with offsets greater than this; 0 for everything retained. Required. */
        public Builder from(long offset) {
            if (offset < 0) {
                throw new IllegalArgumentException("offset must not be negative");
            }
            this.from = offset;
            return this;
        }

        public Builder reconnectBackoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        /** A stream silent for this long is reconnected (default 45 s; the broker sends heartbeats every 15 s). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout);
            return this;
        }

        /** Events buffered ahead of the consumer (default 1024). */
        public Builder bufferSize(int bufferSize) {
            if (bufferSize < 2) {
                throw new IllegalArgumentException("bufferSize must be at least 2");
            }
            this.bufferSize = bufferSize;
            return this;
        }

        /** Connects in the background and answers the stream. */
        public StatusStream open() {
            if (client == null) {
                throw new IllegalStateException("a client is required");
            }
            if (from < 0) {
                throw new IllegalStateException("from(offset) is required; use a snapshot's revision to start at now");
            }
            StatusStream s = new StatusStream(this, client, false);
            s.thread.execute(s::connect);
            return s;
        }
    }
}
