package io.pulsemq.broker.config;

/**
 * The configuration cannot be used: a file is unreadable or malformed, a key is unknown, or a value is
 * invalid. The message is written for an operator: it names the key and where the value came from (a file
 * or an environment variable) and is meant to be shown as is, without a stack trace.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
