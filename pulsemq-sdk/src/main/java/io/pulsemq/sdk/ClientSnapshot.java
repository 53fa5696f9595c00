package io.pulsemq.sdk;

import io.pulsemq.protocol.ClientStatus;

import java.util.List;

/**
 * A whole client list read page by page.
 *
 * @param revision the smallest revision of its pages: every event at or below it is reflected in every item, so
 *                 streaming from it and applying only newer versions is exact (list-then-watch)
 * @param clients  the clients, in client ID order
 */
public record ClientSnapshot(long revision, List<ClientStatus> clients) {
    public ClientSnapshot {
        clients = List.copyOf(clients);
    }
}
