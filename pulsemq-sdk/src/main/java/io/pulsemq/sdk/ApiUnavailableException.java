package io.pulsemq.sdk;

/**
 * The broker could not be reached or did not answer: connection refused, reset, DNS failure, or (as
 * {@link ApiTimeoutException}) no answer in time. Thrown after the retries the call was allowed.
 */
public class ApiUnavailableException extends PulseMqException {

    private final String url;

    public ApiUnavailableException(String url, String message, Throwable cause) {
        super(message, cause);
        this.url = url;
    }

    /** The URL that was called. */
    public String url() {
        return url;
    }
}
