package io.pulsemq.broker.auth;

import java.util.List;

/**
 * Where operator bans are kept so that they survive a restart. Writes are rare (an operator's call), so they
 * are synchronous; they never run on an event loop.
 */
public interface BanStore {

    /** A store that keeps nothing (bans live until the broker stops). */
    BanStore NONE = new BanStore() {
        @Override
        public List<Ban> loadAll() {
            return List.of();
        }

        @Override
        public void put(Ban ban) {
        }

        @Override
        public void delete(Ban.Kind kind, String value) {
        }
    };

    /** Every stored ban, expired ones included. */
    List<Ban> loadAll();

    /** Stores or replaces a ban (key: kind and value). */
    void put(Ban ban);

    /** Deletes a ban; nothing if there is none. */
    void delete(Ban.Kind kind, String value);
}
