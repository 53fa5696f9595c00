package io.pulsemq.broker.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque paging cursors: base64url (no padding) of a small text. Clients pass them back unchanged; anything
 * else is a {@code 400}.
 */
final class Cursors {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Cursors() {
    }

    /** The cursor after {@code clientId} in a client list. */
    static String encodeClient(String clientId) {
        return encode("c:" + clientId);
    }

    /** The client ID a list cursor points after. */
    static String decodeClient(String cursor) {
        String text = decode(cursor);
        if (!text.startsWith("c:")) {
            throw invalid();
        }
        return text.substring(2);
    }

    /**
     * A position in a client's trace: past the event at {@code eventOffset} (in the reading direction), and past
     * the rejected attempts before {@code rejectedTime} plus {@code rejectedSkip} of those at that time.
     */
    record TracePosition(long eventOffset, long rejectedTime, int rejectedSkip) {

        String encode() {
            return Cursors.encode("t:" + eventOffset + ":" + rejectedTime + ":" + rejectedSkip);
        }

        static TracePosition decode(String cursor) {
            String text = Cursors.decode(cursor);
            String[] parts = text.split(":", -1);
            if (parts.length != 4 || !parts[0].equals("t")) {
                throw invalid();
            }
            try {
                int skip = Integer.parseInt(parts[3]);
                if (skip < 0) {
                    throw invalid();
                }
                return new TracePosition(Long.parseLong(parts[1]), Long.parseLong(parts[2]), skip);
            } catch (NumberFormatException e) {
                throw invalid();
            }
        }
    }

    private static String encode(String text) {
        return ENCODER.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            return new String(DECODER.decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static ApiException invalid() {
        return ApiException.badRequest("'cursor' is not a cursor this API returned");
    }
}
