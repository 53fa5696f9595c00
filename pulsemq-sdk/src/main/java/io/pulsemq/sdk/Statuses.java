package io.pulsemq.sdk;

import io.pulsemq.protocol.ClientStatus;

import java.util.List;

/**
 * Statuses of several clients, in the order asked for.
 *
 * @param revision every status event with an offset at or below it is reflected in {@code statuses}; stream from
 *                 it to keep them current (list-then-watch)
 * @param statuses one per requested client ID, in request order; a never-seen client is offline with version 0
 */
public record Statuses(long revision, List<ClientStatus> statuses) {
    public Statuses {
        statuses = List.copyOf(statuses);
    }
}
