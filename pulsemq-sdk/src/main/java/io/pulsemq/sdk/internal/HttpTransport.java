package io.pulsemq.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsemq.protocol.HttpSignature;
import io.pulsemq.sdk.ApiTimeoutException;
import io.pulsemq.sdk.ApiUnavailableException;
import io.pulsemq.sdk.PulseMqException;
import io.pulsemq.sdk.RetryPolicy;
import io.pulsemq.sdk.StatusApiException;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

/**
 * Calls {@code <base>/api/v1/...} authenticated with the access key (by default every request is signed with
 * {@link HttpSignature}, so a captured request cannot be replayed or pointed elsewhere; HTTP Basic on request), maps error answers to
 * {@link StatusApiException}s and transport failures to {@link ApiUnavailableException}s, and retries idempotent
 * calls by the {@link RetryPolicy}. The base URL is asked for before every attempt, so a broker that moved (a
 * restart on port 0) is found again. Thread-safe.
 *
 * <p>The {@link HttpClient} runs on the given executor, or on an owned pool of daemon threads that
 * {@link #close()} shuts down. (On Java 21+ the client itself is closed too; on Java 17 its selector thread ends
 * when the client is garbage collected: {@code HttpClient} has no {@code close()} there.)
 */
public final class HttpTransport implements AutoCloseable {

    /** The API prefix. */
    public static final String API = "/api/v1";

    private final Supplier<URI> baseUrl;
    /** How requests carry the access key. */
    public enum Authentication {
        /** {@code Authorization: PULSEMQ-HMAC-SHA256 ...} over method, path, query and body: the secret never travels. */
        SIGNED,
        /** HTTP Basic: the secret itself in every request (only over TLS). */
        BASIC
    }

    private static final SecureRandom NONCES = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final String authorization;
    private final String accessKey;
    private final String secretKey;
    private final Authentication authentication;
    private final Clock clock = Clock.systemUTC();
    private final Duration requestTimeout;
    private final RetryPolicy retry;
    private final ExecutorService ownedExecutor;
    private final HttpClient http;

    /** A transport that signs every request ({@link Authentication#SIGNED}), with the JDK's default TLS trust. */
    public HttpTransport(Supplier<URI> baseUrl, String accessKey, String secretKey, Duration connectTimeout,
                         Duration requestTimeout, RetryPolicy retry, Executor executor) {
        this(baseUrl, accessKey, secretKey, Authentication.SIGNED, connectTimeout, requestTimeout, retry, executor,
                null);
    }

    /**
     * @param sslContext the TLS context of {@code https} base URLs (trusted CAs, a client certificate); null: the
     *                   JDK's default ({@code SSLContext.getDefault()}, the JDK's trusted CAs)
     */
    public HttpTransport(Supplier<URI> baseUrl, String accessKey, String secretKey, Authentication authentication,
                         Duration connectTimeout, Duration requestTimeout, RetryPolicy retry, Executor executor,
                         SSLContext sslContext) {
        this.baseUrl = baseUrl;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.authentication = authentication;
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((accessKey + ":" + secretKey).getBytes(StandardCharsets.UTF_8));
        this.requestTimeout = requestTimeout;
        this.retry = retry;
        if (executor == null) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), Threads.factory("http"));
            this.ownedExecutor = pool;
            executor = pool;
        } else {
            this.ownedExecutor = null;
        }
        HttpClient.Builder http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        if (sslContext != null) {
            http.sslContext(sslContext);
        }
        this.http = http.build();
    }

    public HttpClient http() {
        return http;
    }

    /** The access key ID (for messages; never the secret). */
    public String accessKey() {
        return accessKey;
    }

    /** The base URL right now. */
    public URI baseUrl() {
        return baseUrl.get();
    }

    /** {@code <base>/api/v1<pathAndQuery>}. */
    public URI uri(String pathAndQuery) {
        String base = baseUrl.get().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + API + pathAndQuery);
    }

    /** A GET request (no body) with authentication; {@code timeout} false for streams (their idle watchdog ends them). */
    public HttpRequest.Builder request(String pathAndQuery, boolean timeout) {
        return request("GET", pathAndQuery, new byte[0], timeout);
    }

    /**
     * A request with authentication for {@code method} with {@code body} (the caller sets the same method and
     * body on the builder; a signature covers them). Each call signs anew, with a fresh nonce, so retries build
     * their request again.
     */
    public HttpRequest.Builder request(String method, String pathAndQuery, byte[] body, boolean timeout) {
        URI uri = uri(pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", authorization(method, uri, body));
        if (timeout) {
            b.timeout(requestTimeout);
        }
        return b;
    }

    private String authorization(String method, URI uri, byte[] body) {
        if (authentication == Authentication.BASIC) {
            return authorization;
        }
        byte[] nonce = new byte[16];
        NONCES.nextBytes(nonce);
        HttpSignature.Request signed = new HttpSignature.Request(method, uri.getRawPath(), query(uri.getRawQuery()),
                body);
        return HttpSignature.authorization(accessKey, secretKey, signed, clock.millis(), HEX.formatHex(nonce));
    }

    /** The decoded parameters of a raw query, as the broker decodes them. */
    private static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return params;
    }

    /** GET, retried; answers the JSON body. */
    public JsonNode getJson(String pathAndQuery) {
        return Json.tree(send(() -> request(pathAndQuery, true).GET().header("Accept", "application/json").build(),
                true, HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    /** POST a JSON body; retried only if {@code idempotent}. */
    public HttpResponse<byte[]> post(String path, byte[] json, boolean idempotent, boolean throwOnError) {
        Supplier<HttpRequest> request = () -> request("POST", path, json, true)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        return throwOnError ? send(request, idempotent, HttpResponse.BodyHandlers.ofByteArray())
                : attempt(request, idempotent, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** GET of a download, retried until the answer starts; the caller closes the stream. */
    public InputStream download(String pathAndQuery) {
        HttpResponse<InputStream> r = attempt(() -> request(pathAndQuery, true).GET().build(), true,
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() >= 400) {
            try (InputStream in = r.body()) {
                throw error(r.statusCode(), in.readAllBytes());
            } catch (IOException e) {
                throw error(r.statusCode(), new byte[0]);
            }
        }
        return r.body();
    }

    /** Sends with retries and answers a 2xx response, else throws the mapped error. */
    public <T> HttpResponse<T> send(Supplier<HttpRequest> request, boolean idempotent,
                                    HttpResponse.BodyHandler<T> handler) {
        HttpResponse<T> r = attempt(request, idempotent, handler);
        if (r.statusCode() >= 400) {
            throw error(r.statusCode(), r.body() instanceof byte[] b ? b : new byte[0]);
        }
        return r;
    }

    /** Sends with retries (transport failures and 429/502/503/504, idempotent calls only); any final answer. */
    private <T> HttpResponse<T> attempt(Supplier<HttpRequest> request, boolean idempotent,
                                        HttpResponse.BodyHandler<T> handler) {
        int attempts = idempotent ? retry.maxAttempts() : 1;
        for (int n = 1; ; n++) {
            HttpRequest req = request.get();
            try {
                HttpResponse<T> r = http.send(req, handler);
                if (n < attempts && RetryPolicy.retryableStatus(r.statusCode())) {
                    discard(r);
                    pause(n);
                    continue;
                }
                return r;
            } catch (IOException e) {
                if (n >= attempts) {
                    throw unavailable(req.uri().toString(), e);
                }
                pause(n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PulseMqException("interrupted while calling " + req.uri(), e);
            }
        }
    }

    private static void discard(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to release beyond the connection
            }
        }
    }

    private void pause(int attempt) {
        try {
            Thread.sleep(retry.backoff().delay(attempt).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PulseMqException("interrupted while waiting to retry", e);
        }
    }

    /** A transport failure as the SDK reports it. */
    public static ApiUnavailableException unavailable(String url, Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return new ApiTimeoutException(url, "timed out connecting to " + url, e);
        }
        if (e instanceof HttpTimeoutException) {
            return new ApiTimeoutException(url, "no answer in time from " + url, e);
        }
        if (e instanceof ConnectException) {
            return new ApiUnavailableException(url, "cannot connect to " + url + " (connection refused)", e);
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ApiUnavailableException(url, "cannot reach " + url + ": " + detail, e);
    }

    /** The exception for an error answer; the body is {@code {"error", "message"}} when the API wrote it. */
    public static StatusApiException error(int status, byte[] body) {
        String code = "http_" + status;
        String message = "HTTP " + status;
        try {
            JsonNode node = Json.tree(body);
            if (node.hasNonNull("error")) {
                code = node.get("error").asText();
            }
            if (node.hasNonNull("message")) {
                message = node.get("message").asText();
            }
        } catch (RuntimeException notJson) {
            // not the API's error format (a proxy's page): keep the status only
        }
        return StatusApiException.of(status, code, message);
    }

    /** A query string from the non-null values, {@code ?a=1&b=2}, or "" when there are none. */
    public static String query(Map<String, ?> params) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                j.add(k + "=" + encode(String.valueOf(v)));
            }
        });
        return j.toString();
    }

    /** An ordered map for {@link #query}. */
    public static Map<String, Object> params(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Percent-encodes a path segment or query value. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing is best effort
            }
        }
    }
}
