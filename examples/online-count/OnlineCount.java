import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.sdk.PresenceListener;
import io.pulsemq.sdk.PresenceTracker;

import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps a live count of online devices per group with the PulseMQ SDK and prints it on every change.
 *
 * <pre>
 * ./pulsemq --version      # builds pulsemq-broker/target/pulsemq-broker-*-all.jar, which holds the SDK and its dependencies
 * java -cp pulsemq-broker/target/pulsemq-broker-0.1.0-SNAPSHOT-all.jar \
 *      examples/online-count/OnlineCount.java [URL] [ACCESS_KEY] [SECRET]
 * </pre>
 *
 * Arguments default to env PULSEMQ_URL (else http://127.0.0.1:8080), PULSEMQ_ACCESS_KEY and PULSEMQ_SECRET_KEY.
 */
public final class OnlineCount {

    public static void main(String[] args) throws InterruptedException {
        String url = arg(args, 0, "PULSEMQ_URL", "http://127.0.0.1:8080");
        String key = arg(args, 1, "PULSEMQ_ACCESS_KEY", null);
        String secret = arg(args, 2, "PULSEMQ_SECRET_KEY", null);
        if (key == null || secret == null) {
            System.err.println("usage: OnlineCount [URL] ACCESS_KEY SECRET (or set PULSEMQ_ACCESS_KEY and PULSEMQ_SECRET_KEY)");
            System.exit(2);
        }

        Map<String, Integer> perGroup = new TreeMap<>();
        PresenceListener counter = new PresenceListener() {
            @Override
            public void onOnline(ClientStatus s) {
                perGroup.merge(s.groupId(), 1, Integer::sum);
                print(s.clientId() + " online");
            }

            @Override
            public void onOffline(ClientStatus s, DisconnectReason reason) {
                perGroup.merge(s.groupId(), -1, Integer::sum);
                perGroup.remove(s.groupId(), 0);
                print(s.clientId() + " offline (" + (reason == null ? "unknown" : reason.wireName()) + ")");
            }

            private void print(String change) {
                // Listeners run one at a time, in order: no locking needed for perGroup.
                StringBuilder line = new StringBuilder(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + change + "  |");
                perGroup.forEach((g, n) -> line.append("  ").append(g.isEmpty() ? "(no group)" : g).append('=').append(n));
                System.out.println(line);
            }
        };

        PresenceTracker tracker = PresenceTracker.builder()
                .baseUrl(url).accessKey(key).secretKey(secret)
                .listener(counter)
                .build().start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            tracker.close();
            stop.countDown();
        }));
        if (!tracker.awaitSynced(Duration.ofSeconds(10))) {
            System.err.println("not synced yet (" + tracker.lastError().map(Throwable::getMessage).orElse("waiting")
                    + "); retrying in the background");
        } else {
            System.out.println("synced at revision " + tracker.revision() + ": " + tracker.onlineCount() + " online");
        }
        stop.await();
    }

    private static String arg(String[] args, int i, String env, String fallback) {
        if (args.length > i) {
            return args[i];
        }
        String v = System.getenv(env);
        return v == null || v.isBlank() ? fallback : v;
    }

}
