package io.pulsemq.broker.api;

import io.pulsemq.broker.http.HttpResponse;

/**
 * A request the API refuses, with the status and error code to answer. Thrown by validation code and turned into
 * {@code {"error": code, "message": message}} in one place.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    HttpResponse toResponse() {
        HttpResponse response = HttpResponse.error(status, code, getMessage());
        return status == 401 ? response.withHeader("WWW-Authenticate", ApiAuth.CHALLENGE) : response;
    }
}
