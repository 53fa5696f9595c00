package io.pulsemq.sdk.internal;

/**
 * The Server-Sent Events line format (WHATWG HTML, "event stream interpretation"), fed one line at a time
 * (without its line terminator). A blank line dispatches the event collected so far; {@code :} lines are comments
 * (the broker's heartbeats); {@code data:} lines are joined with {@code \n}; one space after the colon is dropped;
 * {@code event:} and {@code retry:} are accepted and ignored. Not thread-safe.
 */
public final class SseParser {

    /** A dispatched event: the {@code id:} field (null if none came) and the joined data. */
    public record Message(String id, String data) {
    }

    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String id;

    /** Feeds one line; answers the event a blank line completes, or null. */
    public Message feed(String line) {
        if (line.isEmpty()) {
            if (!hasData) {
                id = null;
                return null;
            }
            Message m = new Message(id, data.toString());
            data.setLength(0);
            hasData = false;
            id = null;
            return m;
        }
        if (line.charAt(0) == ':') {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                }
            }
            default -> {
                // "event", "retry" and unknown fields: nothing the status stream uses
            }
        }
        return null;
    }
}
