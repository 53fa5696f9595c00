package io.pulsemq.sdk;

/**
 * The API answered with a 4xx or 5xx status. {@link #status()} is the HTTP status, {@link #errorCode()} the
 * {@code error} field of the body ({@code bad_request}, {@code unauthorized}, {@code forbidden}, {@code not_found},
 * {@code gone}, ...; {@code http_<status>} if the body had none), the message its {@code message}.
 * 401, 403, 404 and 410 have their own subclasses.
 */
public class StatusApiException extends PulseMqException {

    private final int status;
    private final String errorCode;

    public StatusApiException(int status, String errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The machine-readable error code of the body. */
    public String errorCode() {
        return errorCode;
    }

    /** The exception for an error answer: a subclass for 401, 403, 404 and 410. */
    public static StatusApiException of(int status, String errorCode, String message) {
        return switch (status) {
            case 401 -> new UnauthorizedException(errorCode, message);
            case 403 -> new ForbiddenException(errorCode, message);
            case 404 -> new NotFoundException(errorCode, message);
            case 410 -> new GoneException(errorCode, message);
            default -> new StatusApiException(status, errorCode, message);
        };
    }

    /** 401: the access key is unknown or its secret is wrong. */
    public static final class UnauthorizedException extends StatusApiException {
        public UnauthorizedException(String errorCode, String message) {
            super(401, errorCode, message);
        }
    }

    /** 403: the access key may not do this (a device key, or a group outside its patterns). */
    public static final class ForbiddenException extends StatusApiException {
        public ForbiddenException(String errorCode, String message) {
            super(403, errorCode, message);
        }
    }

    /** 404: e.g. the client to kick is not connected. */
    public static final class NotFoundException extends StatusApiException {
        public NotFoundException(String errorCode, String message) {
            super(404, errorCode, message);
        }
    }

    /** 410: the requested stream offset is older than the status log's retention. */
    public static final class GoneException extends StatusApiException {
        public GoneException(String errorCode, String message) {
            super(410, errorCode, message);
        }
    }
}
