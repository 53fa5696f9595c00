package io.pulsemq.broker.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request as a route handler sees it: fully read, decoded, independent of Netty.
 *
 * @param method        the method, upper case ({@code HEAD} requests reach {@code GET} routes)
 * @param path          the decoded path, without the query
 * @param pathParams    values of the route pattern's {@code {name}} segments, decoded
 * @param queryParams   query parameters, decoded, in order of appearance
 * @param headers       headers by lower-case name
 * @param body          the body; empty if none
 * @param remoteAddress the client's address
 * @param rawPath       the path as sent (percent-encoding kept), without the query; what signatures cover
 */
public record HttpRequest(
        String method,
        String path,
        Map<String, String> pathParams,
        Map<String, List<String>> queryParams,
        Map<String, List<String>> headers,
        byte[] body,
        InetSocketAddress remoteAddress,
        String rawPath) {

    public HttpRequest {
        pathParams = Map.copyOf(pathParams);
        queryParams = Map.copyOf(queryParams);
        headers = Map.copyOf(headers);
        rawPath = rawPath == null ? path : rawPath;
    }

    /** A request whose raw path is its decoded path. */
    public HttpRequest(String method, String path, Map<String, String> pathParams,
                       Map<String, List<String>> queryParams, Map<String, List<String>> headers, byte[] body,
                       InetSocketAddress remoteAddress) {
        this(method, path, pathParams, queryParams, headers, body, remoteAddress, path);
    }

    /**
     * The value of a path parameter of the matched route.
     *
     * @throws IllegalArgumentException if the route pattern has no such parameter
     */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("route has no path parameter {" + name + "}");
        }
        return value;
    }

    /** The first value of a query parameter. */
    public Optional<String> queryParam(String name) {
        List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The first value of a header, looked up ignoring case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
