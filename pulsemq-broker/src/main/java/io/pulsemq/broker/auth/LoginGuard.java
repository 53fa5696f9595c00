package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AuthConfig;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Login hardening shared by every surface (MQTT CONNECT, HTTP API, AMQP login): counts failed logins per source
 * address and per client ID, answers how long a refusal must wait, bans an address whose failures go on
 * ({@code auth.loginThrottle}), and bans a client ID that connects too often ({@code auth.flapping}).
 *
 * <p>Decisions only: the surface applies a delay by scheduling its refusal on its own event loop, never by
 * blocking. Memory is bounded: at most {@link #MAX_ENTRIES} counters per kind; beyond that expired counters are
 * dropped first, then arbitrary ones (an attacker who floods addresses loses their history, never the broker its
 * memory). Thread-safe, lock-free apart from one counter's own monitor.
 */
public final class LoginGuard {

    /** Most counters kept per kind (addresses, client IDs, connect histories). */
    static final int MAX_ENTRIES = 100_000;

    private final AuthConfig.LoginThrottle throttle;
    private final AuthConfig.Flapping flapping;
    private final BanList bans;
    private final Clock clock;
    private final ConcurrentHashMap<String, Counter> byAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> byClientId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> connects = new ConcurrentHashMap<>();

    public LoginGuard(AuthConfig config, BanList bans, Clock clock) {
        this.throttle = config.loginThrottle();
        this.flapping = config.flapping();
        this.bans = bans;
        this.clock = clock;
    }

    /** The ban list this guard adds its automatic bans to. */
    public BanList bans() {
        return bans;
    }

    /** The ban in force against this login, if any (memory only). */
    public Optional<Ban> banned(String clientId, String username, InetAddress address) {
        return bans.match(clientId, username, address);
    }

    /**
     * Records a failed login and answers how long its refusal must wait: none for the first
     * {@code freeAttempts} failures within the window, then {@code baseDelay} doubling up to {@code maxDelay};
     * the larger of the address's and the client ID's. The {@code banAfter}-th failure from one address bans it
     * for {@code banDuration}.
     *
     * @param address  the client's address, or null
     * @param clientId the client ID presented, or null (HTTP, AMQP)
     */
    public Duration failed(InetAddress address, String clientId) {
        Instant now = clock.instant();
        int addressFailures = address == null ? 0 : count(byAddress, address.getHostAddress(), now, throttle.window());
        int clientFailures = clientId == null || clientId.isEmpty() ? 0
                : count(byClientId, clientId, now, throttle.window());
        if (address != null && throttle.banAfter() > 0 && addressFailures >= throttle.banAfter()) {
            bans.add(new Ban(Ban.Kind.ADDRESS, address.getHostAddress(), now.plus(throttle.banDuration()),
                    addressFailures + " failed logins within " + throttle.window(), "login-guard", now));
            byAddress.remove(address.getHostAddress());
        }
        return delayFor(Math.max(addressFailures, clientFailures));
    }

    /** Forgets a client ID's failures after it logged in (the address's stay: it may serve many clients). */
    public void succeeded(String clientId) {
        if (clientId != null) {
            byClientId.remove(clientId);
        }
    }

    /**
     * Records an accepted connect of {@code clientId}; when flapping detection is on and this is more than
     * {@code maxConnects} within the window, bans the client ID and answers the ban.
     */
    public Optional<Ban> connected(String clientId) {
        if (!flapping.enabled() || clientId == null || clientId.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        int n = count(connects, clientId, now, flapping.window());
        if (n <= flapping.maxConnects()) {
            return Optional.empty();
        }
        connects.remove(clientId);
        Ban ban = new Ban(Ban.Kind.CLIENT_ID, clientId, now.plus(flapping.banDuration()),
                "flapping: " + n + " connects within " + flapping.window(), "flapping", now);
        bans.add(ban);
        return Optional.of(ban);
    }

    /** The delay after {@code failures} failures. */
    Duration delayFor(int failures) {
        int beyond = failures - throttle.freeAttempts();
        if (beyond <= 0 || throttle.baseDelay().isZero()) {
            return Duration.ZERO;
        }
        long max = throttle.maxDelay().toMillis();
        long delay = throttle.baseDelay().toMillis();
        for (int i = 1; i < beyond && delay < max; i++) {
            delay *= 2;
        }
        return Duration.ofMillis(Math.min(delay, max));
    }

    private static int count(ConcurrentHashMap<String, Counter> map, String key, Instant now, Duration window) {
        if (map.size() >= MAX_ENTRIES && !map.containsKey(key)) {
            evict(map, now);
        }
        return map.computeIfAbsent(key, k -> new Counter()).increment(now, window);
    }

    private static void evict(ConcurrentHashMap<String, Counter> map, Instant now) {
        map.values().removeIf(c -> c.expired(now));
        Iterator<Map.Entry<String, Counter>> it = map.entrySet().iterator();
        while (map.size() >= MAX_ENTRIES * 3 / 4 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** Events within a window that starts at the first one and restarts once it has passed. */
    private static final class Counter {
        private Instant windowEnd = Instant.MIN;
        private int count;

        synchronized int increment(Instant now, Duration window) {
            if (!now.isBefore(windowEnd)) {
                windowEnd = now.plus(window);
                count = 0;
            }
            return ++count;
        }

        synchronized boolean expired(Instant now) {
            return !now.isBefore(windowEnd);
        }
    }
}
