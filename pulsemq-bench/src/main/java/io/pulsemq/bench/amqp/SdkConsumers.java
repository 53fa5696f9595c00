package io.pulsemq.bench.amqp;

import com.alibaba.mqtt.server.ServerConsumer;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Stopping the published server SDK's {@link ServerConsumer} quietly. Its {@code stop()} closes the AMQP
 * connections but leaves the channel check it scheduled on a static executor running: every few seconds, for the
 * rest of the JVM's life, that check calls {@code createChannel} on the closed connection and prints an
 * {@code AlreadyClosedException} stack trace (SDK 1.0.8; a full bench run printed 53). The bench stops its
 * consumers only when none is in use, so it also drops those checks.
 */
final class SdkConsumers {

    private SdkConsumers() {
    }

    /** {@code consumer.stop()}, then removes the SDK's scheduled channel checks (those of stopped consumers). */
    static void stop(ServerConsumer consumer) throws IOException {
        consumer.stop();
        try {
            Field f = ServerConsumer.class.getDeclaredField("scheduler");
            f.setAccessible(true);
            if (f.get(null) instanceof ScheduledThreadPoolExecutor scheduler) {
                scheduler.getQueue().clear();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // another SDK version: its checks stay (and may print), the measurement is unaffected
        }
    }
}
