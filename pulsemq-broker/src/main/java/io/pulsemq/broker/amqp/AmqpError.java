package io.pulsemq.broker.amqp;

import com.rabbitmq.client.impl.Method;

import java.nio.charset.StandardCharsets;

/**
 * A protocol error, raised by method handlers and turned into a {@code channel.close} or
 * {@code connection.close} in one place ({@link AmqpConnection}).
 */
final class AmqpError extends Exception {

    /** Which close it leads to [AMQP 0-9-1 1.9: "soft" channel errors, "hard" connection errors]. */
    enum Scope {
        CHANNEL, CONNECTION
    }

    final Scope scope;
    final int code;
    final int classId;
    final int methodId;

    private AmqpError(Scope scope, int code, String text, Method cause) {
        super(text, null, false, false);
        this.scope = scope;
        this.code = code;
        this.classId = cause == null ? 0 : cause.protocolClassId();
        this.methodId = cause == null ? 0 : cause.protocolMethodId();
    }

    /** A channel error: the channel closes, the connection stays. */
    static AmqpError channel(int code, String text, Method cause) {
        return new AmqpError(Scope.CHANNEL, code, text, cause);
    }

    /** A connection error: the whole connection closes. */
    static AmqpError connection(int code, String text, Method cause) {
        return new AmqpError(Scope.CONNECTION, code, text, cause);
    }

    /** Most UTF-8 bytes of an AMQP short string, the type of every reply text [AMQP 0-9-1 4.2.5.3]. */
    static final int SHORT_STRING_MAX = 255;

    /**
     * The reply text, prefixed with the code's name as RabbitMQ does ({@code NOT_FOUND - ...}), cut to fit a short
     * string.
     */
    String replyText() {
        return shortString(codeName(code) + " - " + getMessage());
    }

    /** {@code text}, or when its UTF-8 form is longer than a short string holds, its start and "...". */
    static String shortString(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= SHORT_STRING_MAX) {
            return text;
        }
        int end = SHORT_STRING_MAX - 3;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // not inside a character: utf8[end] starts the first one left out
        }
        return new String(utf8, 0, end, StandardCharsets.UTF_8) + "...";
    }

    static String codeName(int code) {
        return switch (code) {
            case ReplyCode.CONNECTION_FORCED -> "CONNECTION_FORCED";
            case ReplyCode.ACCESS_REFUSED -> "ACCESS_REFUSED";
            case ReplyCode.NOT_FOUND -> "NOT_FOUND";
            case ReplyCode.PRECONDITION_FAILED -> "PRECONDITION_FAILED";
            case ReplyCode.FRAME_ERROR -> "FRAME_ERROR";
            case ReplyCode.SYNTAX_ERROR -> "SYNTAX_ERROR";
            case ReplyCode.COMMAND_INVALID -> "COMMAND_INVALID";
            case ReplyCode.CHANNEL_ERROR -> "CHANNEL_ERROR";
            case ReplyCode.UNEXPECTED_FRAME -> "UNEXPECTED_FRAME";
            case ReplyCode.NOT_ALLOWED -> "NOT_ALLOWED";
            case ReplyCode.NOT_IMPLEMENTED -> "NOT_IMPLEMENTED";
            default -> "INTERNAL_ERROR";
        };
    }
}
