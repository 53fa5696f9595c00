package io.pulsemq.sdk;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.sdk.StatusApiException.GoneException;
import io.pulsemq.sdk.internal.HttpTransport;
import io.pulsemq.sdk.internal.Mirror;
import io.pulsemq.sdk.internal.SerialExecutor;
import io.pulsemq.sdk.internal.SseConnection;
import io.pulsemq.sdk.internal.Threads;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

/**
 * An exact local mirror of who is online, in one group or all, kept by list-then-watch (CONTRACT.md section 4):
 * list the clients and take the list's revision R, stream status events with {@code from=R}, and apply an event
 * only if its {@code version} is greater than the one held. The mirror is then exactly the broker's presence as of
 * the last event applied.
 *
 * <pre>{@code
 * PresenceTracker tracker = PresenceTracker.builder()
 *         .client(statusClient)          // or .baseUrl(...).accessKey(...).secretKey(...)
 *         .group("GID_car")              // omit for every group the key sees
 *         .listener(new PresenceListener() {
 *             public void onOffline(ClientStatus s, DisconnectReason reason) { ... }
 *         })
 *         .build().start();
 * tracker.awaitSynced(Duration.ofSeconds(10));
 * tracker.isOnline("GID_car@@@vin123");
 * }</pre>
 *
 * <p>Failures: after any disconnect the tracker resumes from the last event it applied ({@code Last-Event-ID}), so
 * nothing is missed or applied twice; if the broker no longer retains that offset (410) it lists again and reports
 * the differences as transitions; it reconnects with exponential backoff and jitter ({@link Backoff}) for as long
 * as it is open, following a base URL supplier to a broker that moved. While disconnected the mirror keeps its last
 * state ({@link #isSynced()} is false).
 *
 * <p>Listeners: the first list reports every online client as an {@code onOnline}; after that each transition is
 * reported once, in the order the mirror changed, one call at a time, on the tracker's thread or on the
 * {@link Builder#listenerExecutor listener executor}.
 *
 * <p>Threads: one daemon thread ({@code pulsemq-sdk-tracker-*}) plus the HTTP client's; {@link #close()} stops
 * them (and closes the client if the tracker built it). Queries are thread-safe and lock-free.
 */
public final class PresenceTracker implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PresenceTracker.class.getName());

    private final StatusClient client;
    private final boolean ownsClient;
    private final String group;
    private final List<PresenceListener> listeners;
    private final Executor notifier;
    private final Backoff backoff;
    private final Duration idleTimeout;
    private final ScheduledThreadPoolExecutor thread;
    private final Mirror mirror = new Mirror();
    private final Object syncLock = new Object();

    // Owned by the tracker's thread.
    private boolean needsList = true;
    private boolean listedSinceStream;
    private int attempt;
    private long generation;
    private SseConnection connection;

    private volatile boolean started;
    private volatile boolean closed;
    private volatile boolean synced;
    private volatile PulseMqException lastError;

    private PresenceTracker(Builder b, StatusClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.group = b.group;
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        this.backoff = b.backoff;
        this.idleTimeout = b.idleTimeout;
        this.thread = new ScheduledThreadPoolExecutor(1, Threads.factory("tracker"));
        this.thread.setRemoveOnCancelPolicy(true);
        this.notifier = b.listenerExecutor == null ? Runnable::run : new SerialExecutor(b.listenerExecutor);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts listing and streaming in the background; answers this tracker. Idempotent. */
    public synchronized PresenceTracker start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!started) {
            started = true;
            thread.execute(this::connect);
        }
        return this;
    }

    /**
     * Waits until the mirror is synced: listed and streaming.
     *
     * @return true if synced, false if {@code timeout} passed first
     */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (syncLock) {
            while (!synced) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return synced;
                }
                TimeUnit.NANOSECONDS.timedWait(syncLock, left);
            }
            return true;
        }
    }

    /** Whether the mirror is listed and its stream is open (false while reconnecting). */
    public boolean isSynced() {
        return synced;
    }

    /** Whether the client is online, as of {@link #revision()}. */
    public boolean isOnline(String clientId) {
        return mirror.isOnline(clientId);
    }

    /**
     * The client's status as of {@link #revision()}, or empty if the tracker does not know it. The connection
     * details no event carries ({@code protocolVersion}, {@code keepAlive}, {@code cleanStart}, {@code username})
     * are those of the last list, and 0/false/null for connections that started after it.
     */
    public Optional<ClientStatus> status(String clientId) {
        return Optional.ofNullable(mirror.get(clientId));
    }

    /** The online client IDs: a live read-only view. */
    public Set<String> onlineClients() {
        return mirror.online();
    }

    public int onlineCount() {
        return mirror.online().size();
    }

    /** The status log offset the mirror reflects: every event at or below it is applied (-1 before the first list). */
    public long revision() {
        return mirror.revision();
    }

    /** The group tracked, or null for all. */
    public String group() {
        return group;
    }

    /** The last connection or list failure, if any (the tracker keeps retrying). */
    public Optional<PulseMqException> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Adds a listener; it hears transitions from now on. */
    public void addListener(PresenceListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    // ---- the tracker's thread ----------------------------------------------------------------------------------

    private void connect() {
        if (closed) {
            return;
        }
        String lastEventId = null;
        String query;
        try {
            if (needsList) {
                ClientSnapshot snapshot = client.snapshot(ListQuery.all().group(group));
                report(mirror.replace(snapshot.revision(), snapshot.clients()));
                needsList = false;
                listedSinceStream = true;
            }
        } catch (PulseMqException e) {
            failed(e);
            return;
        } catch (RuntimeException e) {
            failed(new PulseMqException("listing failed", e));
            return;
        }
        long from = mirror.revision();
        if (listedSinceStream) {
            query = HttpTransport.query(HttpTransport.params("group", group, "from", from));
        } else {
            query = HttpTransport.query(HttpTransport.params("group", group));
            lastEventId = Long.toString(from);
        }
        long gen = ++generation;
        try {
            connection = SseConnection.open(client.transport(), query, lastEventId, new SseConnection.Handler() {
                @Override
                public void onOpen() {
                    run(() -> opened(gen));
                }

                @Override
                public boolean onEvent(StatusEvent event) {
                    run(() -> applied(gen, event));
                    return true;
                }

                @Override
                public void onClosed(Throwable error) {
                    run(() -> ended(gen, error));
                }
            }, thread, idleTimeout);
        } catch (RuntimeException e) {
            failed(new PulseMqException("cannot open the status stream", e));
        }
    }

    private void run(Runnable task) {
        try {
            thread.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    private void opened(long gen) {
        if (gen != generation || closed) {
            return;
        }
        attempt = 0;
        listedSinceStream = false;
        lastError = null;
        setSynced(true);
    }

    private void applied(long gen, StatusEvent event) {
        if (gen != generation || closed) {
            return;
        }
        Mirror.Transition t = mirror.apply(event);
        if (t != null) {
            report(List.of(t));
        }
    }

    private void ended(long gen, Throwable error) {
        if (gen != generation || closed) {
            return;
        }
        connection = null;
        setSynced(false);
        if (error instanceof GoneException gone) {
            LOG.log(System.Logger.Level.INFO, "status stream offset " + mirror.revision()
                    + " is no longer retained; listing again");
            lastError = gone;
            needsList = true;
            thread.execute(this::connect);
            return;
        }
        failed(error == null ? new PulseMqException("the broker ended the status stream")
                : error instanceof PulseMqException p ? p : new PulseMqException(String.valueOf(error), error));
    }

    private void failed(PulseMqException e) {
        lastError = e;
        if (closed) {
            return;
        }
        attempt++;
        Duration delay = backoff.delay(attempt);
        LOG.log(System.Logger.Level.DEBUG, "presence tracker reconnects in {0} ms (attempt {1}): {2}",
                delay.toMillis(), attempt, e.getMessage());
        try {
            thread.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    private void report(List<Mirror.Transition> transitions) {
        if (transitions.isEmpty() || listeners.isEmpty()) {
            return;
        }
        for (Mirror.Transition t : transitions) {
            notifier.execute(() -> {
                for (PresenceListener l : listeners) {
                    try {
                        if (t.online()) {
                            l.onOnline(t.status());
                        } else {
                            l.onOffline(t.status(), t.reason());
                        }
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "presence listener failed", e);
                    }
                }
            });
        }
    }

    private void setSynced(boolean value) {
        synchronized (syncLock) {
            synced = value;
            syncLock.notifyAll();
        }
    }

    /** Stops streaming and the tracker's threads; the mirror keeps its last state. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            thread.submit(() -> {
                if (connection != null) {
                    connection.cancel();
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the thread is stuck in a call: shutdownNow interrupts it
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        setSynced(false);
        if (ownsClient) {
            client.close();
        }
    }

    /** Builds a {@link PresenceTracker}: a {@link StatusClient}, or the settings to build one, are required. */
    public static final class Builder {
        private StatusClient client;
        private final StatusClient.Builder clientBuilder = StatusClient.builder();
        private boolean clientSettings;
        private String group;
        private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
        private Executor listenerExecutor;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration idleTimeout = Duration.ofSeconds(45);

        private Builder() {
        }

        /** Uses this client (not closed by the tracker). */
        public Builder client(StatusClient client) {
            this.client = client;
            return this;
        }

        /** Builds an own client for this address (closed with the tracker). */
        public Builder baseUrl(String baseUrl) {
            clientSettings = true;
            clientBuilder.baseUrl(baseUrl);
            return this;
        }

        /** Builds an own client that asks the supplier for the address before every (re)connect. */
        public Builder baseUrl(Supplier<URI> baseUrl) {
            clientSettings = true;
            clientBuilder.baseUrl(baseUrl);
            return this;
        }

        public Builder accessKey(String accessKey) {
            clientBuilder.accessKey(accessKey);
            return this;
        }

        public Builder secretKey(String secretKey) {
            clientBuilder.secretKey(secretKey);
            return this;
        }

        /** The TLS context of an own client for an {@code https} address ({@link StatusClient.Builder#sslContext}). */
        public Builder sslContext(SSLContext sslContext) {
            clientBuilder.sslContext(sslContext);
            return this;
        }

        /** One group; null (the default) for every group the key sees. */
        public Builder group(String group) {
            this.group = group;
            return this;
        }

        public Builder listener(PresenceListener listener) {
            listeners.add(Objects.requireNonNull(listener));
            return this;
        }

        /**
         * Where listeners run, one call at a time in transition order (default: the tracker's own thread, so a slow
         * listener delays the mirror).
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = executor;
            return this;
        }

        /** Waits between reconnects (default {@link Backoff#DEFAULT}). */
        public Builder reconnectBackoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        /**
         * A stream that sends nothing for this long is dead and is reconnected (default 45 s; the broker sends a
         * heartbeat every 15 s).
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout);
            return this;
        }

        public PresenceTracker build() {
            if (client != null) {
                return new PresenceTracker(this, client, false);
            }
            if (!clientSettings) {
                throw new IllegalStateException("a client or a baseUrl with access key and secret is required");
            }
            return new PresenceTracker(this, clientBuilder.retryPolicy(RetryPolicy.NONE).build(), true);
        }
    }
}
