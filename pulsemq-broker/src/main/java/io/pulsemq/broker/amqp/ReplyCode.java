package io.pulsemq.broker.amqp;

/** AMQP 0-9-1 reply codes the endpoint sends [AMQP 0-9-1 section 1.9, "constants"]. */
final class ReplyCode {

    static final int REPLY_SUCCESS = 200;
    /** Connection: the broker is shutting down. */
    static final int CONNECTION_FORCED = 320;
    /** Channel: not allowed with these credentials (bad login, group not allowed). */
    static final int ACCESS_REFUSED = 403;
    /** Channel: no such queue or exchange. */
    static final int NOT_FOUND = 404;
    /** Channel: a precondition failed (unknown delivery tag, bad argument, message too large). */
    static final int PRECONDITION_FAILED = 406;
    /** Connection: a malformed frame. */
    static final int FRAME_ERROR = 501;
    /** Connection: a frame whose fields cannot be decoded. */
    static final int SYNTAX_ERROR = 502;
    /** Connection: a method not valid in this state. */
    static final int COMMAND_INVALID = 503;
    /** Connection: a frame on a channel that is not open, or opening one twice. */
    static final int CHANNEL_ERROR = 504;
    /** Connection: a frame out of sequence (a content frame without a method). */
    static final int UNEXPECTED_FRAME = 505;
    /** Connection: not allowed (bad virtual host, over a negotiated limit, duplicate consumer tag). */
    static final int NOT_ALLOWED = 530;
    /** Connection: a method the endpoint does not implement. */
    static final int NOT_IMPLEMENTED = 540;
    /** Connection: an internal error. */
    static final int INTERNAL_ERROR = 541;

    private ReplyCode() {
    }
}
