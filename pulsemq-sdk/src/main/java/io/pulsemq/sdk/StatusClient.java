package io.pulsemq.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.sdk.internal.HttpTransport;
import io.pulsemq.sdk.internal.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import javax.net.ssl.SSLContext;

/**
 * The status queries of the PulseMQ HTTP API ({@code /api/v1}), synchronous, over {@code java.net.http}.
 *
 * <pre>{@code
 * try (StatusClient client = StatusClient.builder()
 *         .baseUrl("http://127.0.0.1:8080")
 *         .accessKey("AK_...").secretKey("...")
 *         .build()) {
 *     boolean online = client.status("GID_car@@@vin123").online();
 * }
 * }</pre>
 *
 * <p>Errors: a 4xx/5xx answer throws a {@link StatusApiException} (401, 403, 404, 410 as subclasses); an unreachable
 * broker or a timeout throws {@link ApiUnavailableException} ({@link ApiTimeoutException}). Queries are retried by
 * the {@link RetryPolicy} (connection failures, timeouts, 429/502/503/504); {@link #kick} is never retried.
 *
 * <p>Thread-safe; share one instance. {@link #close()} stops the threads it owns (none when an executor is given).
 */
public final class StatusClient implements AutoCloseable {

    /** Most client IDs the API takes in one batch call; larger batches are split. */
    public static final int MAX_BATCH = 1000;

    private final HttpTransport transport;

    private StatusClient(HttpTransport transport) {
        this.transport = transport;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The transport, for the tracker and streams of this package. */
    HttpTransport transport() {
        return transport;
    }

    /** One client's status; a never-seen client is offline with version 0. */
    public ClientStatus status(String clientId) {
        return Json.status(transport.getJson("/clients/" + HttpTransport.encode(clientId)));
    }

    /**
     * The statuses of any number of clients, in the order given (duplicates answered twice). The IDs are sent in
     * calls of at most {@value #MAX_BATCH}, one after the other.
     *
     * <p>The answer's revision is the <em>minimum</em> of the calls' revisions. Each call reflects every event at
     * or below its own revision, and the calls are made one after the other, so the earlier chunks may miss events
     * between their revision and a later call's. Only the minimum is a revision every returned status reflects;
     * streaming from it and applying only newer versions is exact, streaming from a larger one could lose events.
     * An empty collection answers revision 0 and makes no call.
     */
    public Statuses statuses(Collection<String> clientIds) {
        List<String> ids = List.copyOf(clientIds);
        List<ClientStatus> out = new ArrayList<>(ids.size());
        long revision = ids.isEmpty() ? 0 : Long.MAX_VALUE;
        for (int from = 0; from < ids.size(); from += MAX_BATCH) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_BATCH));
            HttpResponse<byte[]> r = transport.post("/clients/status", Json.bytes(Map.of("clientIds", chunk)), true, true);
            JsonNode body = Json.tree(r.body());
            revision = Math.min(revision, body.path("revision").asLong());
            List<ClientStatus> statuses = Json.statuses(body.path("statuses"));
            if (statuses.size() != chunk.size()) {
                throw new PulseMqException("the broker answered " + statuses.size() + " statuses for " + chunk.size() + " IDs");
            }
            out.addAll(statuses);
        }
        return new Statuses(revision, out);
    }

    /** One page of the client list; {@code cursor} null for the first page. */
    public ClientPage page(ListQuery query, String cursor) {
        JsonNode body = transport.getJson("/clients" + HttpTransport.query(HttpTransport.params(
                "group", query.group(), "online", query.online(), "prefix", query.prefix(),
                "limit", query.pageSize(), "cursor", cursor)));
        return new ClientPage(body.path("revision").asLong(), Json.statuses(body.path("items")),
                Json.text(body, "nextCursor"));
    }

    /**
     * Every client the query matches, in client ID order, fetched page by page as the stream is consumed. Each
     * page is a consistent answer at its own revision; for a whole list with one revision use {@link #snapshot}.
     */
    public Stream<ClientStatus> list(ListQuery query) {
        return pages(cursor -> {
            ClientPage p = page(query, cursor);
            return new Paged<>(p.items(), p.nextCursor());
        });
    }

    /**
     * The whole list, read page by page; its revision is the smallest of the pages' (see {@link #statuses} for
     * why), so it is the right start of a status stream (list-then-watch).
     */
    public ClientSnapshot snapshot(ListQuery query) {
        List<ClientStatus> all = new ArrayList<>();
        long revision = Long.MAX_VALUE;
        String cursor = null;
        do {
            ClientPage p = page(query, cursor);
            revision = Math.min(revision, p.revision());
            all.addAll(p.items());
            cursor = p.nextCursor();
        } while (cursor != null);
        return new ClientSnapshot(revision, all);
    }

    /** A client's trace: its status events and rejected connection attempts by time, fetched page by page. */
    public Stream<TraceEntry> trace(String clientId, TraceQuery query) {
        String path = "/clients/" + HttpTransport.encode(clientId) + "/trace";
        return pages(cursor -> {
            JsonNode body = transport.getJson(path + HttpTransport.query(HttpTransport.params(
                    "begin", query.begin(), "end", query.end() == Long.MAX_VALUE ? null : query.end(),
                    "limit", query.pageSize(), "reverse", query.newestFirst() ? true : null, "cursor", cursor)));
            List<TraceEntry> items = new ArrayList<>();
            for (JsonNode n : body.path("items")) {
                items.add(Json.traceEntry(n));
            }
            return new Paged<>(items, Json.text(body, "nextCursor"));
        });
    }

    /**
     * Closes the client's connection (its {@code tcpclean} has reason {@code kicked}). Not retried.
     *
     * @return true once it is disconnected (the event is durable), false if it was not connected
     */
    public boolean kick(String clientId) {
        HttpResponse<byte[]> r = transport.post("/clients/" + HttpTransport.encode(clientId) + "/disconnect",
                new byte[0], false, false);
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() >= 400) {
            throw HttpTransport.error(r.statusCode(), r.body());
        }
        return true;
    }

    /** Online and known counts of every group the key sees. */
    public Groups groups() {
        JsonNode body = transport.getJson("/groups");
        List<GroupCounts> groups = new ArrayList<>();
        for (JsonNode g : body.path("groups")) {
            groups.add(counts(g));
        }
        return new Groups(body.path("revision").asLong(), groups);
    }

    /** Online and known counts of one group (zeros for an unknown one). */
    public GroupCounts group(String groupId) {
        return counts(transport.getJson("/groups/" + HttpTransport.encode(groupId)));
    }

    private static GroupCounts counts(JsonNode g) {
        return new GroupCounts(g.path("groupId").asText(), g.path("online").asLong(), g.path("known").asLong());
    }

    /**
     * Downloads the stored events the query selects into {@code out} (not closed), as the broker streams them.
     * Connecting is retried; a failure in the middle is not (the file would have a gap): it throws, and the
     * caller starts again.
     *
     * @return bytes written
     */
    public long export(ExportQuery query, OutputStream out) {
        String path = "/status/export" + HttpTransport.query(HttpTransport.params(
                "group", query.group(),
                "begin", query.begin() == null ? null : query.begin().toEpochMilli(),
                "end", query.end() == null ? null : query.end().toEpochMilli(),
                "format", query.format().name().toLowerCase(Locale.ROOT)));
        try (InputStream in = transport.download(path)) {
            return in.transferTo(out);
        } catch (IOException e) {
            throw HttpTransport.unavailable(transport.uri(path).toString(), e);
        }
    }

    /** Stops the HTTP threads this client owns. */
    @Override
    public void close() {
        transport.close();
    }

    private record Paged<T>(List<T> items, String next) {
    }

    private static <T> Stream<T> pages(Function<String, Paged<T>> fetch) {
        Iterator<T> it = new Iterator<>() {
            private Iterator<T> current = List.<T>of().iterator();
            private String cursor;
            private boolean started;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && (!started || cursor != null)) {
                    Paged<T> p = fetch.apply(cursor);
                    started = true;
                    cursor = p.next();
                    current = p.items().iterator();
                }
                return current.hasNext();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Builds a {@link StatusClient}. Required: a base URL and an access key with its secret. */
    public static final class Builder {
        private Supplier<URI> baseUrl;
        private String accessKey;
        private String secretKey;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Executor executor;
        private HttpTransport.Authentication authentication = HttpTransport.Authentication.SIGNED;
        private SSLContext sslContext;

        private Builder() {
        }

        /** The broker's HTTP address, e.g. {@code http://127.0.0.1:8080} (no {@code /api/v1}). */
        public Builder baseUrl(String baseUrl) {
            return baseUrl(URI.create(baseUrl));
        }

        public Builder baseUrl(URI baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            return baseUrl(() -> baseUrl);
        }

        /**
         * Where the broker is, asked before every request and reconnect: for a broker that may move (e.g. one
         * started on port 0 whose port is read from {@code ports.json}).
         */
        public Builder baseUrl(Supplier<URI> baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
        }

        public Builder accessKey(String accessKey) {
            this.accessKey = accessKey;
            return this;
        }

        public Builder secretKey(String secretKey) {
            this.secretKey = secretKey;
            return this;
        }

        /** Time to establish a TCP connection (default 5 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout);
            return this;
        }

        /** Time for a query's answer to start (default 30 s). Streams are watched by an idle timeout instead. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        /** Retries of idempotent calls (default {@link RetryPolicy#DEFAULT}). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy);
            return this;
        }

        /**
         * Sends the access key and secret as HTTP Basic instead of signing each request (PULSEMQ-HMAC-SHA256, the
         * default). Basic puts the secret itself in every request: use it only over TLS.
         */
        public Builder basicAuthentication() {
            this.authentication = HttpTransport.Authentication.BASIC;
            return this;
        }

        /**
         * The TLS context for an {@code https} base URL: the CAs it trusts (a private CA's, for a broker whose
         * certificate it signed) and, for mutual TLS, the client certificate (default: the JDK's default context,
         * which trusts the JDK's public CAs). Host names are verified against the certificate either way.
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** The executor of the HTTP client (default: own daemon threads, stopped by close()). */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        public StatusClient build() {
            if (baseUrl == null) {
                throw new IllegalStateException("baseUrl is required");
            }
            if (accessKey == null || accessKey.isEmpty() || secretKey == null) {
                throw new IllegalStateException("accessKey and secretKey are required");
            }
            return new StatusClient(new HttpTransport(baseUrl, accessKey, secretKey, authentication, connectTimeout,
                    requestTimeout, retryPolicy, executor, sslContext));
        }
    }
}
