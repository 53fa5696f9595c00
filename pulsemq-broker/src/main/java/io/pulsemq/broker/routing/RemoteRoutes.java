package io.pulsemq.broker.routing;

import io.pulsemq.broker.message.Message;

/**
 * The other nodes of a cluster, as the {@link Router} sees them: where a message published on this node goes besides
 * this node's own subscribers, and which shared subscription groups deliver it here. {@link #NONE} in single-node mode.
 *
 * <p>Threading: {@link #forward} runs on the publisher's thread (an event loop for MQTT publishes), for every message
 * published on this node, before the local subscribers get it; it must be quick, must not block and must not throw.
 */
public interface RemoteRoutes {

    /** No other nodes: every message stays on this node and every matching shared group delivers here. */
    RemoteRoutes NONE = new RemoteRoutes() {
        @Override
        public SharedPicks forward(Message message) {
            return SharedPicks.ALL;
        }

        @Override
        public void addInterest(String filter) {
        }

        @Override
        public void removeInterest(String filter) {
        }
    };

    /**
     * Hands a message published on this node (its {@link Message#origin() origin} is null) to the other nodes that
     * want it, and decides, for each shared subscription group of the cluster whose filter matches, which one node
     * delivers it.
     *
     * @return which of this node's matching shared groups deliver it here; never null
     */
    SharedPicks forward(Message message);

    /**
     * Declares that this node wants the messages other nodes publish on topics matching {@code filter}, for a consumer
     * that is not a subscription in the subscription index (a server SDK topic queue, which reads them as a
     * {@link PublishListener}). Counted: each call is undone by one {@link #removeInterest}.
     */
    void addInterest(String filter);

    /** Undoes one {@link #addInterest} of {@code filter}. */
    void removeInterest(String filter);

    /** Which shared subscription groups deliver a message on this node. */
    @FunctionalInterface
    interface SharedPicks {

        /** Every matching group delivers here (single-node mode, or no group was picked on another node). */
        SharedPicks ALL = (shareName, filter) -> true;

        /** No shared group delivers here (a message another node sent for plain subscribers only). */
        SharedPicks NONE = (shareName, filter) -> false;

        /** Whether the group {@code $share/<shareName>/<filter>} delivers the message to one of its members here. */
        boolean here(String shareName, String filter);
    }
}
