package io.pulsemq.broker.statuslog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The callbacks a status log tells its new last offset after each commit ({@link StatusLog#onCommit}). Added and
 * removed from any thread; told on the log's own thread, in registration order; a failing callback is logged and
 * never keeps the others (or the log) from going on.
 */
public final class CommitListeners {

    private static final Logger LOG = LoggerFactory.getLogger(CommitListeners.class);

    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

    public void add(LongConsumer listener) {
        listeners.add(listener);
    }

    public void remove(LongConsumer listener) {
        listeners.remove(listener);
    }

    /** Tells every callback that the log's last offset is now {@code offset}. */
    public void committed(long offset) {
        for (LongConsumer l : listeners) {
            try {
                l.accept(offset);
            } catch (RuntimeException e) {
                LOG.warn("status log commit listener failed", e);
            }
        }
    }
}
