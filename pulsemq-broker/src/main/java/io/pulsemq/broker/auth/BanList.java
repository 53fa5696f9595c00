package io.pulsemq.broker.auth;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ban list (like EMQX's banned clients): client IDs, usernames and addresses (an IP or a CIDR block) that
 * may not connect, each until its expiry. Expired bans vanish by themselves: lookups and {@link #list()} ignore
 * them at once, {@link #sweep()} deletes them.
 *
 * <p>Lookups are memory only and cheap (one hash lookup per kind, plus a scan of the CIDR bans, which are few),
 * so every CONNECT and login can ask. Thread-safe, lock-free.
 */
public final class BanList {

    private final Clock clock;
    private final BanStore store;
    private final Map<Ban.Kind, ConcurrentHashMap<String, Ban>> byKind = new ConcurrentHashMap<>();
    /** Address bans that name a block, keyed by their value, with the parsed block. */
    private final ConcurrentHashMap<String, Cidr> blocks = new ConcurrentHashMap<>();

    /** A ban list kept in memory only. */
    public BanList(Clock clock) {
        this(clock, BanStore.NONE);
    }

    /** A ban list whose operator bans ({@link #addDurably}) are kept in {@code store}; call {@link #load()}. */
    public BanList(Clock clock, BanStore store) {
        this.clock = clock;
        this.store = store;
        for (Ban.Kind k : Ban.Kind.values()) {
            byKind.put(k, new ConcurrentHashMap<>());
        }
    }

    /** Loads the stored bans, deleting the expired ones; answers how many are in force. */
    public int load() {
        Instant now = clock.instant();
        int n = 0;
        for (Ban ban : store.loadAll()) {
            if (ban.activeAt(now)) {
                add(ban);
                n++;
            } else {
                store.delete(ban.kind(), ban.value());
            }
        }
        return n;
    }

    /**
     * Adds or replaces a ban in memory (automatic bans: they end with the broker).
     *
     * @return the ban as kept (an address in canonical form)
     * @throws IllegalArgumentException if an address ban's value is neither an IP nor a CIDR block
     */
    public Ban add(Ban ban) {
        String value = normalize(ban.kind(), ban.value());
        Ban kept = value.equals(ban.value()) ? ban
                : new Ban(ban.kind(), value, ban.until(), ban.reason(), ban.by(), ban.at());
        if (ban.kind() == Ban.Kind.ADDRESS && value.contains("/")) {
            blocks.put(value, Cidr.parse(value));
        }
        byKind.get(ban.kind()).put(value, kept);
        return kept;
    }

    /** {@link #add}, and stores the ban so that it survives restarts. Not for event loops (it syncs the WAL). */
    public Ban addDurably(Ban ban) {
        Ban kept = add(ban);
        store.put(kept);
        return kept;
    }

    /** Removes a ban from memory and the store; answers whether one was in force. */
    public boolean remove(Ban.Kind kind, String value) {
        String key;
        try {
            key = normalize(kind, value);
        } catch (IllegalArgumentException e) {
            return false;
        }
        blocks.remove(key);
        Ban removed = byKind.get(kind).remove(key);
        store.delete(kind, key);
        return removed != null && removed.activeAt(clock.instant());
    }

    /** Removes a ban from memory only (another cluster node lifted it; the store is that node's concern). */
    public void forget(Ban.Kind kind, String value) {
        String key;
        try {
            key = normalize(kind, value);
        } catch (IllegalArgumentException e) {
            return;
        }
        blocks.remove(key);
        byKind.get(kind).remove(key);
    }

    /** Drops the bans that have expired, from memory and the store (run periodically, off the event loops). */
    public void sweep() {
        Instant now = clock.instant();
        byKind.forEach((kind, map) -> map.values().forEach(b -> {
            if (!b.activeAt(now) && map.remove(b.value(), b)) {
                blocks.remove(b.value());
                store.delete(kind, b.value());
            }
        }));
    }

    /** Every ban in force, by kind then value. */
    public List<Ban> list() {
        Instant now = clock.instant();
        List<Ban> all = new ArrayList<>();
        byKind.values().forEach(m -> m.values().stream().filter(b -> b.activeAt(now)).forEach(all::add));
        all.sort(Comparator.comparing(Ban::kind).thenComparing(Ban::value));
        return all;
    }

    /**
     * The ban in force that matches a login, if any: its client ID, its username or its address.
     *
     * @param clientId the client ID, or null
     * @param username the username, or null
     * @param address  the client's address, or null
     */
    public Optional<Ban> match(String clientId, String username, InetAddress address) {
        Instant now = clock.instant();
        Ban b = active(Ban.Kind.CLIENT_ID, clientId, now);
        if (b == null) {
            b = active(Ban.Kind.USERNAME, username, now);
        }
        if (b == null && address != null) {
            b = active(Ban.Kind.ADDRESS, address.getHostAddress(), now);
            if (b == null && !blocks.isEmpty()) {
                for (Map.Entry<String, Cidr> e : blocks.entrySet()) {
                    if (e.getValue().contains(address)) {
                        b = active(Ban.Kind.ADDRESS, e.getKey(), now);
                        if (b != null) {
                            break;
                        }
                    }
                }
            }
        }
        return Optional.ofNullable(b);
    }

    private Ban active(Ban.Kind kind, String value, Instant now) {
        if (value == null) {
            return null;
        }
        ConcurrentHashMap<String, Ban> map = byKind.get(kind);
        Ban b = map.get(value);
        return b != null && b.activeAt(now) ? b : null;
    }

    /** The value as stored: addresses in their canonical text form. */
    static String normalize(Ban.Kind kind, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a ban needs a value");
        }
        if (kind != Ban.Kind.ADDRESS) {
            return value;
        }
        int slash = value.indexOf('/');
        String ip = slash < 0 ? value : value.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + value + "' is not an IP address or CIDR block");
        }
        String canonical;
        try {
            canonical = InetAddress.getByAddress(bytes).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        if (slash < 0) {
            return canonical;
        }
        Cidr block = Cidr.parse(canonical + value.substring(slash));
        return canonical + "/" + block.prefix();
    }

    /** An address block. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text.substring(0, slash));
            int prefix;
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR block");
            }
            if (bytes == null || prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR block");
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
