package io.pulsemq.broker.http;

/**
 * The body of a streamed response ({@link HttpResponse#stream}): produced over time, sent with chunked transfer
 * encoding, for Server-Sent Events and downloads. Requests pipelined behind it are answered after it ends.
 */
@FunctionalInterface
public interface StreamBody {

    /**
     * Called once, on the connection's event loop, right after the status line and headers are sent. Must not
     * block: hand the sink to a producer running elsewhere, which writes and finally {@link StreamSink#end()}s
     * it. An exception thrown here closes the connection.
     */
    void start(StreamSink sink);
}
