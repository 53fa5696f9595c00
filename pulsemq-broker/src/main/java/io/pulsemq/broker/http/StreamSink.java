package io.pulsemq.broker.http;

/**
 * Where a {@link StreamBody} writes a streamed (chunked) response.
 *
 * <p><b>Threading.</b> Every method is thread-safe and never blocks. Writes made from one thread, or from
 * tasks that follow each other (one after the other on an executor), reach the client in that order.
 *
 * <p><b>Backpressure.</b> Bytes are queued on the connection; {@link #write} answers whether it can take more
 * now. A producer that gets {@code false} stops and calls {@link #whenWritable} to be told when to go on, so
 * at most one batch beyond the connection's high-water mark is ever buffered for a slow reader.
 */
public interface StreamSink {

    /**
     * Queues bytes for the client (sent at the next {@link #flush()}). Ignored once the stream ended or the
     * connection closed.
     *
     * @return whether the connection can take more now
     */
    boolean write(byte[] bytes);

    /** Sends what was written so far. */
    void flush();

    /** Whether the connection can take more bytes now without growing its buffer past the high-water mark. */
    boolean isWritable();

    /** Whether the stream is still open: not ended, connection not closed. */
    boolean isOpen();

    /**
     * Runs {@code callback} once, on the connection's event loop, when the connection can take more bytes: at
     * once if it can now, else when it drains; also when the stream closes, so the producer notices. Only the
     * latest registered callback is kept. The callback must be quick (typically: resubmit the producer).
     */
    void whenWritable(Runnable callback);

    /** Ends the response (sends the last chunk). Idempotent. */
    void end();

    /**
     * Gives up: closes the connection without the last chunk, so the client sees an incomplete response rather
     * than a complete-looking short one. For a producer that failed half-way.
     */
    void abort();

    /**
     * Runs {@code callback} once when the stream ends or the connection closes, whichever is first (at once if
     * that already happened). Runs on the event loop; must be quick.
     */
    void onClose(Runnable callback);
}
