package io.pulsemq.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that stands still until the test moves it. Thread-safe (tests read it from broker threads). */
public final class ManualClock extends Clock {

    private volatile long millis;

    public ManualClock(long millis) {
        this.millis = millis;
    }

    public ManualClock(Instant at) {
        this(at.toEpochMilli());
    }

    /** Moves time forward by {@code d}. */
    public synchronized void advance(Duration d) {
        millis += d.toMillis();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }
}
