package io.pulsemq.broker.api;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.DeviceCredentials;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.http.HttpRoutes;
import io.pulsemq.broker.http.RouteHandler;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.presence.ReadBarrier;
import io.pulsemq.broker.statuslog.StatusLogUnavailableException;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.broker.statuslog.StatusLog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The status API: registers the {@code /api/v1} routes and the ApsaraMQ RPC actions on {@code /}, and owns the
 * executor that reads the status log off the event loops (two daemon threads, {@code pulsemq-api}).
 *
 * <p>Routes (see {@code docs/api.md} and {@code docs/openapi.json}):
 * {@code GET /api/v1/clients/{clientId}}, {@code POST /api/v1/clients/status}, {@code GET /api/v1/clients},
 * {@code GET /api/v1/groups}, {@code GET /api/v1/groups/{groupId}}, {@code GET /api/v1/clients/{clientId}/trace},
 * {@code POST /api/v1/clients/{clientId}/disconnect}, {@code GET /api/v1/status/events} (SSE),
 * {@code GET /api/v1/status/export}, {@code GET|POST /api/v1/bans}, {@code DELETE /api/v1/bans/{kind}/{value}},
 * {@code POST /api/v1/device-credentials}, {@code GET|DELETE /api/v1/device-credentials/{clientId}},
 * {@code POST /api/v1/device-credentials/{clientId}/refresh}, {@code GET /api/v1/openapi.json}, and
 * {@code GET|POST /} (RPC).
 *
 * <p>Memory lookups answer on the event loop; anything that reads RocksDB or scans runs on the executor.
 * {@link #close()} stops the executor; close the HTTP server first so no stream still uses it.
 */
public final class StatusApi implements AutoCloseable {

    /** The prefix of every route but the RPC endpoint. */
    public static final String PREFIX = "/api/v1";
    /** Where the OpenAPI document is on the class path (copied from {@code docs/openapi.json} by the build). */
    static final String OPENAPI_RESOURCE = "/io/pulsemq/broker/api/openapi.json";
    /** Interval of the SSE heartbeat comments. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final ScheduledThreadPoolExecutor executor;
    private final ApiAuth auth;
    private final ClientQueries queries;
    private final EventStream events;
    private final StatusExport export;
    private final RpcEndpoint rpc;
    private final byte[] openApi;
    private final boolean publicOpenApi;
    private final LoginGuard guard;
    private final BansApi bans;
    private final DeviceCredentialsApi devices;
    private final ReadBarrier barrier;

    /**
     * @param config   instance ID and access keys
     * @param presence who is online
     * @param log      the status log (streams, exports, traces)
     * @param sessions the kick
     * @param clock    the broker's clock (RPC timestamps, export defaults, trace times)
     */
    public StatusApi(BrokerConfig config, PresenceRegistry presence, StatusLog log, SessionRegistry sessions, Clock clock) {
        this(config, presence, log, sessions, clock, new LoginGuard(config.auth(), new BanList(clock), clock));
    }

    /**
     * @param guard failed-login throttling and the ban list ({@code /bans}); a banned address is refused 403
     */
    public StatusApi(BrokerConfig config, PresenceRegistry presence, StatusLog log, SessionRegistry sessions, Clock clock,
                     LoginGuard guard) {
        this(config, presence, log, sessions, clock, guard, DeviceCredentials.inMemory(clock));
    }

    /**
     * @param deviceCredentials the device credentials {@code /device-credentials} and the RPC actions manage
     */
    public StatusApi(BrokerConfig config, PresenceRegistry presence, StatusLog log, SessionRegistry sessions, Clock clock,
                     LoginGuard guard, DeviceCredentials deviceCredentials) {
        this(config, presence, log, sessions, clock, guard, deviceCredentials, new LimitHits());
    }

    /**
     * @param limitHits counts the event streams refused by {@code http.maxStreams} and {@code http.maxStreamsPerKey}
     */
    public StatusApi(BrokerConfig config, PresenceRegistry presence, StatusLog log, SessionRegistry sessions, Clock clock,
                     LoginGuard guard, DeviceCredentials deviceCredentials, LimitHits limitHits) {
        this(config, presence, ReadBarrier.NONE, log, sessions, clock, guard, deviceCredentials, limitHits);
    }

    /**
     * @param barrier what status queries wait for before they read {@code presence} (a cluster node's mirror catching
     *                up with the stream)
     */
    public StatusApi(BrokerConfig config, PresenceRegistry presence, ReadBarrier barrier, StatusLog log,
                     SessionRegistry sessions, Clock clock, LoginGuard guard, DeviceCredentials deviceCredentials,
                     LimitHits limitHits) {
        this.guard = guard;
        this.barrier = barrier;
        this.devices = new DeviceCredentialsApi(deviceCredentials, sessions, config.instanceId(),
                config.clientIds().strict());
        this.bans = new BansApi(guard.bans(), clock);
        this.executor = new ScheduledThreadPoolExecutor(2, new DefaultThreadFactory("pulsemq-api", true));
        this.executor.setRemoveOnCancelPolicy(true);
        this.auth = new ApiAuth(config.accessKeys(), clock);
        TraceReader traces = new TraceReader(log);
        this.queries = new ClientQueries(presence, sessions, traces);
        this.events = new EventStream(log, executor, HEARTBEAT, config.http().maxStreams(),
                config.http().maxStreamsPerKey(), limitHits);
        this.export = new StatusExport(log, executor, clock);
        this.rpc = new RpcEndpoint(config.instanceId(), auth, presence, sessions, traces, executor, clock, devices);
        this.openApi = loadOpenApi();
        this.publicOpenApi = config.http().publicOpenApi();
    }

    /** Status event streams (SSE) open now. */
    public int openStreams() {
        return events.openStreams();
    }

    /** Registers every route of the API on {@code routes}. */
    public HttpRoutes register(HttpRoutes routes) {
        return routes
                .get(PREFIX + "/clients/{clientId}", synced(inline(queries::client)))
                .post(PREFIX + "/clients/status", synced(inline(queries::batch)))
                .get(PREFIX + "/clients", synced(offloaded(queries::list)))
                .get(PREFIX + "/groups", synced(inline(queries::groups)))
                .get(PREFIX + "/groups/{groupId}", synced(inline(queries::group)))
                .get(PREFIX + "/clients/{clientId}/trace", synced(offloaded(queries::trace)))
                .post(PREFIX + "/clients/{clientId}/disconnect", synced(staged(queries::disconnect)))
                .get(PREFIX + "/status/events", inline(events::open))
                .get(PREFIX + "/status/export", inline(export::open))
                .get(PREFIX + "/bans", inline(bans::list))
                .post(PREFIX + "/bans", offloaded(bans::add))
                .delete(PREFIX + "/bans/{kind}/{value}", offloaded(bans::remove))
                .post(PREFIX + "/device-credentials", offloaded(devices::register))
                .get(PREFIX + "/device-credentials/{clientId}", inline(devices::get))
                .post(PREFIX + "/device-credentials/{clientId}/refresh", offloaded(devices::refresh))
                .delete(PREFIX + "/device-credentials/{clientId}", offloaded(devices::revoke))
                .get(PREFIX + "/openapi.json", guarded(publicOpenApi, RouteHandler.of(request ->
                        new HttpResponse(200, HttpResponse.JSON, openApi, Map.of()))))
                .get("/", synced(rpc::handle))
                .post("/", synced(rpc::handle));
    }

    /**
     * {@code handler} behind the API's authentication (any server or admin key; 401 without one), or
     * {@code handler} itself when {@code open}: for routes outside the JSON API such as {@code /metrics}.
     */
    public RouteHandler guarded(boolean open, RouteHandler handler) {
        if (open) {
            return handler;
        }
        return request -> {
            try {
                caller(request);
            } catch (ApiException e) {
                return refused(request, e);
            }
            return handler.handle(request);
        };
    }

    /** Stops the executor (open streams end with their connections). */
    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A handler of an authenticated request. */
    @FunctionalInterface
    interface Handler {
        HttpResponse handle(HttpRequest request, Caller caller);
    }

    /** A handler of an authenticated request that completes later. */
    @FunctionalInterface
    interface StagedHandler {
        CompletionStage<HttpResponse> handle(HttpRequest request, Caller caller);
    }

    /** Answers on the event loop: memory only. */
    private RouteHandler inline(Handler handler) {
        return request -> {
            try {
                return CompletableFuture.completedFuture(handler.handle(request, caller(request)));
            } catch (ApiException e) {
                return refused(request, e);
            }
        };
    }

    /** Authenticates on the event loop, answers on the API executor. */
    private RouteHandler offloaded(Handler handler) {
        return request -> {
            try {
                Caller caller = caller(request);
                return CompletableFuture.supplyAsync(() -> handler.handle(request, caller), executor)
                        .exceptionally(StatusApi::apiError);
            } catch (ApiException e) {
                return refused(request, e);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.completedFuture(HttpResponse.error(503, "unavailable", "the broker is stopping"));
            }
        };
    }

    /**
     * {@code handler} after the read barrier: a query answered from memory sees every event acknowledged anywhere
     * before it arrived (on one node there is nothing to wait for, and {@code handler} itself is returned). Waiting
     * costs no event-loop time; the handler then runs on the API executor. A barrier that cannot be passed (the
     * cluster's engine is unreachable) is answered 503.
     */
    private RouteHandler synced(RouteHandler handler) {
        if (barrier.immediate()) {
            return handler;
        }
        return request -> barrier.sync().toCompletableFuture()
                .thenComposeAsync(passed -> {
                    try {
                        return handler.handle(request);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, executor)
                .exceptionally(error -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (cause instanceof StatusLogUnavailableException || cause instanceof RejectedExecutionException) {
                        return HttpResponse.error(503, "unavailable", "the status of the cluster cannot be read now");
                    }
                    throw error instanceof CompletionException ce ? ce : new CompletionException(cause);
                });
    }

    private RouteHandler staged(StagedHandler handler) {
        return request -> {
            try {
                return handler.handle(request, caller(request));
            } catch (ApiException e) {
                return refused(request, e);
            }
        };
    }

    /** The caller of a request from an address that is not banned; see {@link ApiAuth#authenticate}. */
    private Caller caller(HttpRequest request) {
        InetSocketAddress from = request.remoteAddress();
        InetAddress ip = from == null ? null : from.getAddress();
        Optional<Ban> ban = guard.banned(null, null, ip);
        if (ban.isPresent()) {
            throw ApiException.forbidden("address " + ban.get().value() + " is banned: " + ban.get().reason());
        }
        return auth.authenticate(request);
    }

    /** The answer to a refused request: a failed login (401) counts for the throttle and waits its delay. */
    private CompletionStage<HttpResponse> refused(HttpRequest request, ApiException e) {
        if (e.status() != 401) {
            return CompletableFuture.completedFuture(e.toResponse());
        }
        InetSocketAddress from = request.remoteAddress();
        Duration delay = guard.failed(from == null ? null : from.getAddress(), null);
        if (delay.isZero()) {
            return CompletableFuture.completedFuture(e.toResponse());
        }
        CompletableFuture<HttpResponse> later = new CompletableFuture<>();
        try {
            executor.schedule(() -> later.complete(e.toResponse()), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            later.complete(e.toResponse());
        }
        return later;
    }

    private static HttpResponse apiError(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ApiException e) {
            return e.toResponse();
        }
        throw error instanceof CompletionException ce ? ce : new CompletionException(cause);
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = StatusApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + OPENAPI_RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
