package io.pulsemq.broker.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * The routes of an {@link HttpServer}: method + path pattern -> {@link RouteHandler}.
 *
 * <p>Patterns are literal segments and {@code {name}} parameters, each matching one segment:
 * {@code /api/v1/clients/{clientId}/trace}. Among the routes matching a path, a literal segment wins over a
 * parameter at the first place they differ, so {@code POST /clients/status} and
 * {@code GET /clients/{clientId}} coexist. A path that matches only routes of other methods is answered with
 * {@code 405} and an {@code Allow} header; a path that matches none with {@code 404}. {@code HEAD} is served
 * by the {@code GET} route, without the body.
 *
 * <p>Register everything before handing the routes to {@link HttpServer#start}, which takes a snapshot; not
 * thread-safe while registering.
 */
public final class HttpRoutes {

    private final List<Route> routes = new ArrayList<>();
    private RequestObserver observer;

    /** Tells {@code observer} of every answered request of every route (one observer; the last set wins). */
    public HttpRoutes observe(RequestObserver observer) {
        this.observer = observer;
        return this;
    }

    /** Registers a {@code GET} route. */
    public HttpRoutes get(String pattern, RouteHandler handler) {
        return add("GET", pattern, handler);
    }

    /** Registers a {@code POST} route. */
    public HttpRoutes post(String pattern, RouteHandler handler) {
        return add("POST", pattern, handler);
    }

    /** Registers a {@code PUT} route. */
    public HttpRoutes put(String pattern, RouteHandler handler) {
        return add("PUT", pattern, handler);
    }

    /** Registers a {@code DELETE} route. */
    public HttpRoutes delete(String pattern, RouteHandler handler) {
        return add("DELETE", pattern, handler);
    }

    /**
     * Registers a route.
     *
     * @param method  an HTTP method, any case
     * @param pattern a path pattern, see the class comment
     * @return this
     * @throws IllegalArgumentException if the pattern is malformed, or a route with this method already matches
     *                                  exactly the same paths
     */
    public HttpRoutes add(String method, String pattern, RouteHandler handler) {
        Route route = new Route(method.toUpperCase(Locale.ROOT), PathPattern.parse(pattern),
                Objects.requireNonNull(handler, "handler"));
        for (Route existing : routes) {
            if (existing.method().equals(route.method()) && existing.pattern().sameShape(route.pattern())) {
                throw new IllegalArgumentException("route " + route.method() + " " + pattern
                        + " clashes with " + existing.method() + " " + existing.pattern());
            }
        }
        routes.add(route);
        return this;
    }

    /** An immutable copy, most specific pattern first, with each default added unless a route already covers it. */
    Router snapshot(Route... defaults) {
        List<Route> sorted = new ArrayList<>(routes);
        for (Route fallback : defaults) {
            boolean covered = routes.stream().anyMatch(r -> r.method().equals(fallback.method())
                    && r.pattern().sameShape(fallback.pattern()));
            if (!covered) {
                sorted.add(fallback);
            }
        }
        sorted.sort(Comparator.comparing(Route::pattern));
        if (observer != null) {
            sorted.replaceAll(r -> new Route(r.method(), r.pattern(), observed(r, observer)));
        }
        return new Router(List.copyOf(sorted));
    }

    private static RouteHandler observed(Route route, RequestObserver observer) {
        String pattern = route.pattern().toString();
        return request -> {
            long start = System.nanoTime();
            CompletionStage<HttpResponse> answer;
            try {
                answer = route.handler().handle(request);
            } catch (Exception e) {
                observer.answered(route.method(), pattern, 500, System.nanoTime() - start);
                throw e;
            }
            return answer.whenComplete((response, error) -> observer.answered(route.method(), pattern,
                    response == null ? 500 : response.status(), System.nanoTime() - start));
        };
    }

    /** One registration. */
    record Route(String method, PathPattern pattern, RouteHandler handler) {
    }

    /** Immutable, thread-safe route lookup. */
    static final class Router {

        private final List<Route> routes;

        Router(List<Route> routes) {
            this.routes = routes;
        }

        /** Finds the route for a method and decoded path segments. */
        Resolution resolve(String method, List<String> segments) {
            String wanted = method.equals("HEAD") ? "GET" : method;
            Set<String> allowed = new TreeSet<>();
            for (Route route : routes) {
                Optional<Map<String, String>> params = route.pattern().match(segments);
                if (params.isEmpty()) {
                    continue;
                }
                if (route.method().equals(wanted)) {
                    return new Resolution.Found(route, params.get());
                }
                allowed.add(route.method());
            }
            if (allowed.isEmpty()) {
                return new Resolution.NotFound();
            }
            if (allowed.contains("GET")) {
                allowed.add("HEAD");
            }
            return new Resolution.MethodNotAllowed(List.copyOf(allowed));
        }
    }

    /** The outcome of a lookup. */
    sealed interface Resolution {
        /** A route answers it. */
        record Found(Route route, Map<String, String> pathParams) implements Resolution {
        }

        /** Routes match the path, none with this method. */
        record MethodNotAllowed(List<String> allowed) implements Resolution {
        }

        /** No route matches the path. */
        record NotFound() implements Resolution {
        }
    }
}
