package io.pulsemq.bench.amqp;

import java.util.concurrent.atomic.AtomicLongArray;

/** Devices that connect at a fixed rate and stay connected, recording when each read its CONNACK. */
interface Devices extends AutoCloseable {

    /**
     * Connects {@code count} devices named {@code idPrefix + i} at {@code rate} per second and keeps them
     * connected; {@code connackAt[i]} gets the {@link System#nanoTime()} at which device {@code i} read its CONNACK
     * (0 if it did not). Returns once every device has its CONNACK or failed, or after {@code timeoutSeconds};
     * answers whether all were accepted.
     */
    boolean connect(String idPrefix, int count, int rate, AtomicLongArray connackAt, long timeoutSeconds)
            throws InterruptedException;

    /** The first failure seen, or null. */
    String firstError();

    /** Closes every connected device (their {@code tcpclean} events follow). */
    void disconnectAll();

    @Override
    void close();
}
