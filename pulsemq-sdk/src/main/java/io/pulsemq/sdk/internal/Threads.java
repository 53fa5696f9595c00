package io.pulsemq.sdk.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named {@code pulsemq-sdk-<role>-<n>}, so that leaks are easy to spot in a thread dump. */
public final class Threads {

    /** Prefix of every thread the SDK starts. */
    public static final String PREFIX = "pulsemq-sdk-";

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Threads() {
    }

    public static ThreadFactory factory(String role) {
        int instance = COUNTER.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, PREFIX + role + "-" + instance + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
