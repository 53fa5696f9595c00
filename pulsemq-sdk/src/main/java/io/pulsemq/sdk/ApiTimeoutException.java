package io.pulsemq.sdk;

/** No answer within the connect or request timeout. */
public class ApiTimeoutException extends ApiUnavailableException {

    public ApiTimeoutException(String url, String message, Throwable cause) {
        super(url, message, cause);
    }
}
