package io.pulsemq.broker.amqp;

/**
 * One decoded AMQP frame, or the marker of a decode failure. Decode errors are values: the decoder never
 * throws, and {@link AmqpConnection} maps every failure to one connection close.
 *
 * @param type    {@link #METHOD}, {@link #HEADER}, {@link #BODY}, {@link #HEARTBEAT}; {@link #PROTOCOL_HEADER}
 *                once the client's protocol header was accepted; {@link #MALFORMED} on a decode error
 * @param channel channel number
 * @param payload the frame payload (never null)
 * @param error   what was wrong, for {@link #MALFORMED}
 */
record AmqpFrame(int type, int channel, byte[] payload, String error) {

    static final int METHOD = 1;
    static final int HEADER = 2;
    static final int BODY = 3;
    static final int HEARTBEAT = 8;
    /** Not a wire frame type: the protocol header was accepted. */
    static final int PROTOCOL_HEADER = -1;
    /** Not a wire frame type: the input could not be decoded; the decoder discards everything after it. */
    static final int MALFORMED = -2;

    static AmqpFrame malformed(String error) {
        return new AmqpFrame(MALFORMED, 0, new byte[0], error);
    }
}
