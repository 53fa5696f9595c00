package io.pulsemq.broker.bootstrap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP for a broker run by {@code pulsemq start}: reloads the TLS certificates at once, beside the periodic
 * check. Installing it replaces the JVM's own SIGHUP handling (a shutdown), as for mosquitto or nginx a hang-up
 * asks for a reload, never a stop; SIGTERM and SIGINT still stop the broker.
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}); where it is missing, or the platform has no
 * SIGHUP (Windows), or the JVM keeps it ({@code -Xrs}), installing logs a warning and the broker runs without it.
 */
final class HangupSignal {

    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);

    private HangupSignal() {
    }

    /**
     * Runs {@code onHangup} on the JVM's signal thread at every SIGHUP; it must return quickly (hand the work to
     * another thread).
     *
     * @return whether the handler is installed
     */
    static boolean install(Runnable onHangup) {
        try {
            Handler.install(onHangup);
            return true;
        } catch (LinkageError | IllegalArgumentException | UnsupportedOperationException e) {
            // LinkageError: no sun.misc.Signal; IllegalArgumentException: no SIGHUP here, or the JVM uses it
            LOG.warn("SIGHUP cannot be handled here ({}): certificates are reloaded by the periodic check only",
                    e.toString());
            return false;
        }
    }

    /** The one class that names {@code sun.misc}: loading it fails alone when the API is missing. */
    private static final class Handler {
        static void install(Runnable onHangup) {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> onHangup.run());
        }
    }
}
