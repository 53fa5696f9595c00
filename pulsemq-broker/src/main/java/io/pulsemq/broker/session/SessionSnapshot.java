package io.pulsemq.broker.session;

import io.pulsemq.broker.subscription.Subscription;

import java.util.List;

/**
 * Everything of a persistent session that moves with its client to another cluster node: its metadata, subscriptions,
 * outbound messages (queued and in flight, in order) and the inbound QoS 2 packet IDs awaiting PUBREL.
 */
public record SessionSnapshot(SessionStore.SessionMeta meta, List<Subscription> subscriptions,
                              List<SessionStore.OutboundMessage> outbound, List<Integer> inboundQos2) {

    public SessionSnapshot {
        subscriptions = List.copyOf(subscriptions);
        outbound = List.copyOf(outbound);
        inboundQos2 = List.copyOf(inboundQos2);
    }
}
