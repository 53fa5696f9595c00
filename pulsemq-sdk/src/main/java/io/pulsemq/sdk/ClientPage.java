package io.pulsemq.sdk;

import io.pulsemq.protocol.ClientStatus;

import java.util.List;

/**
 * One page of the client list, in client ID order.
 *
 * @param revision   every event at or below it is reflected in {@code items}
 * @param items      the clients
 * @param nextCursor pass to {@link StatusClient#page} for the next page; null after the last page
 */
public record ClientPage(long revision, List<ClientStatus> items, String nextCursor) {
    public ClientPage {
        items = List.copyOf(items);
    }
}
