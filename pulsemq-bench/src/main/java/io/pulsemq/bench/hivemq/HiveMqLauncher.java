package io.pulsemq.bench.hivemq;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Main class of the HiveMQ CE process of {@code ./pulsemq bench}: starts the embedded edition with the given
 * configuration, data and extensions folders and runs until SIGTERM, which stops it gracefully.
 *
 * <p>Runs in a JVM of its own whose class path is this one class plus HiveMQ's jars (see
 * {@link io.pulsemq.bench.HiveMqProcess}); HiveMQ's Netty 4.1 and the bench's Netty 4.2 never meet. It uses only
 * the JDK and reaches HiveMQ by reflection, so the bench compiles without HiveMQ on its class path.
 */
public final class HiveMqLauncher {

    private HiveMqLauncher() {
    }

    /**
     * @param args configuration folder (with {@code config.xml}), data folder, extensions folder
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: HiveMqLauncher CONFIG_DIR DATA_DIR EXTENSIONS_DIR");
            System.exit(2);
        }
        Class<?> embedded = Class.forName("com.hivemq.embedded.EmbeddedHiveMQ");
        Object builder = embedded.getMethod("builder").invoke(null);
        Class<?> builderType = Class.forName("com.hivemq.embedded.EmbeddedHiveMQBuilder");
        builder = builderType.getMethod("withConfigurationFolder", Path.class).invoke(builder, Path.of(args[0]));
        builder = builderType.getMethod("withDataFolder", Path.class).invoke(builder, Path.of(args[1]));
        builder = builderType.getMethod("withExtensionsFolder", Path.class).invoke(builder, Path.of(args[2]));
        Object hivemq = builderType.getMethod("build").invoke(builder);
        Method start = embedded.getMethod("start");
        Method stop = embedded.getMethod("stop");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                ((CompletableFuture<?>) stop.invoke(hivemq)).join();
            } catch (ReflectiveOperationException | RuntimeException e) {
                System.err.println("HiveMQ did not stop cleanly: " + e);
            }
            stopped.countDown();
        }, "stop-hivemq"));
        ((CompletableFuture<?>) start.invoke(hivemq)).join();
        System.out.println("pulsemq-bench: HiveMQ CE started");
        stopped.await();
    }
}
