package io.pulsemq.broker.limits;

/**
 * Connection limits counted per accepted socket, not per login: {@code max} connections in all and
 * {@code maxPerKey} per key (a source address), 0: no limit. A socket takes its {@link Slot} when it is accepted,
 * before it has sent a byte, and gives it back when it closes, so that sockets which never log in (or log in
 * slowly) count as much as the ones that did: they hold a file descriptor and buffers all the same.
 *
 * <p>Every accepted socket gets one of three answers:
 * <ul>
 *   <li><b>admitted</b>: within both limits;</li>
 *   <li><b>over</b> a limit ({@link Slot#outcome()} says which): the socket is kept so that it can be refused with
 *       the protocol's own answer when it logs in (an MQTT CONNACK), or closed when it does not in time;</li>
 *   <li><b>shed</b> ({@link Slot#shed()}): over a limit by more than its {@linkplain #withGrace grace}; the socket
 *       is to be closed at once, unread, without an answer. This is the hard stop: however many sockets a flood
 *       opens, at most {@code withGrace(max)} of them in all and {@code withGrace(maxPerKey)} per key are kept
 *       open at once; the refusals within the grace cost each one socket for at most the login timeout.</li>
 * </ul>
 *
 * <p>Two {@link Slots} count: {@code admitted} against the limits, {@code open} (admitted and over alike) against
 * the limits plus their grace; both are lock-free and shared by every listener and event loop. A {@link Slot}
 * belongs to one connection and is used from its event loop only.
 *
 * @param <K> the key
 */
public final class ConnectionSlots<K> {

    /** The grace above a limit is a tenth of it, and at least this many sockets. */
    public static final int MIN_GRACE = 8;

    private final Slots<K> admitted;
    private final Slots<K> open;

    /**
     * @param max       most connections admitted in all; 0: no limit
     * @param maxPerKey most connections admitted per key; 0: no limit
     */
    public ConnectionSlots(int max, int maxPerKey) {
        this.admitted = new Slots<>(max, maxPerKey);
        this.open = new Slots<>(withGrace(max), withGrace(maxPerKey));
    }

    /**
     * The most sockets kept open against {@code limit}: the limit plus a tenth of it, at least {@value #MIN_GRACE}
     * more (0, no limit, stays 0; capped at {@link Integer#MAX_VALUE}).
     */
    public static int withGrace(int limit) {
        if (limit == 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, (long) limit + Math.max(MIN_GRACE, limit / 10));
    }

    /**
     * Takes the slot of a socket just accepted.
     *
     * @param key the socket's key, or null while it is not known (behind a PROXY protocol header, see
     *            {@link Slot#identify}); a null key counts in the totals only
     * @return the socket's slot; give it back with {@link Slot#release()} when the socket closes, shed or not
     */
    public Slot accept(K key) {
        Slot slot = new Slot();
        slot.take(key);
        return slot;
    }

    /** Sockets admitted within the limits now. */
    public int admitted() {
        return admitted.inUse();
    }

    /** Sockets admitted with {@code key} now (0 without a per-key limit). */
    public int admitted(K key) {
        return admitted.inUse(key);
    }

    /** Sockets kept open now, admitted or over a limit. */
    public int open() {
        return open.inUse();
    }

    /** One socket's place against the limits. Not thread-safe: one connection's, used from its event loop. */
    public final class Slot {

        private K key;
        private Slots.Outcome outcome;
        private boolean shed;
        private boolean holdsOpen;
        private boolean holdsAdmitted;

        private Slot() {
        }

        private void take(K k) {
            Slots.Outcome kept = open.tryAcquire(k);
            if (kept != Slots.Outcome.ADMITTED) {
                outcome = kept;
                shed = true;
                return;
            }
            key = k;
            holdsOpen = true;
            outcome = admitted.tryAcquire(k);
            holdsAdmitted = outcome == Slots.Outcome.ADMITTED;
        }

        /**
         * Counts a slot taken for a null key for {@code client} from now on: the key that a PROXY protocol header
         * named after the accept. Over the per-key limit, the slot becomes {@link Slots.Outcome#OVER_KEY}; over
         * it by more than the grace, it is {@link #shed()} and holds nothing any more. Does nothing when the slot
         * was taken for a key, is shed or released, or {@code client} is null.
         */
        public void identify(K client) {
            if (key != null || client == null || !holdsOpen) {
                return;
            }
            if (open.tryAddKey(client) != Slots.Outcome.ADMITTED) {
                release();
                outcome = Slots.Outcome.OVER_KEY;
                shed = true;
                return;
            }
            key = client;
            if (holdsAdmitted && admitted.tryAddKey(client) != Slots.Outcome.ADMITTED) {
                admitted.release(null);
                holdsAdmitted = false;
                outcome = Slots.Outcome.OVER_KEY;
            }
        }

        /**
         * {@link Slots.Outcome#ADMITTED} within both limits; {@link Slots.Outcome#OVER_TOTAL} or
         * {@link Slots.Outcome#OVER_KEY}: over that limit, refuse the login (and close at once if {@link #shed()}).
         */
        public Slots.Outcome outcome() {
            return outcome;
        }

        /** Over a limit by more than its grace: close the socket now, unread. The slot holds nothing. */
        public boolean shed() {
            return shed;
        }

        /** Gives back what the slot holds; later calls do nothing. */
        public void release() {
            if (holdsAdmitted) {
                holdsAdmitted = false;
                admitted.release(key);
            }
            if (holdsOpen) {
                holdsOpen = false;
                open.release(key);
            }
        }
    }
}
