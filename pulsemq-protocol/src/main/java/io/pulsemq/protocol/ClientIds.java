package io.pulsemq.protocol;

/**
 * The ApsaraMQ client identifier convention {@code <GroupId>@@@<DeviceId>}.
 */
public final class ClientIds {

    /** Separates the group ID from the device ID. */
    public static final String SEPARATOR = "@@@";

    private static final int STRICT_MAX_LENGTH = 64;

    private ClientIds() {
    }

    /** The group of a client ID: the part before {@code @@@}, or {@code ""} when there is none. */
    public static String groupOf(String clientId) {
        int at = clientId.indexOf(SEPARATOR);
        return at < 0 ? "" : clientId.substring(0, at);
    }

    /**
     * Whether {@code clientId} follows ApsaraMQ's rules: at most 64 characters of {@code [0-9A-Za-z_-]}
     * plus one {@code @@@} separator, with a group ID starting {@code GID_} or {@code GID-} and a non-empty device ID.
     */
    public static boolean isStrictlyValid(String clientId) {
        if (clientId == null || clientId.isEmpty() || clientId.length() > STRICT_MAX_LENGTH) {
            return false;
        }
        int at = clientId.indexOf(SEPARATOR);
        if (at < 0 || clientId.indexOf(SEPARATOR, at + SEPARATOR.length()) >= 0) {
            return false;
        }
        String group = clientId.substring(0, at);
        String device = clientId.substring(at + SEPARATOR.length());
        return (group.startsWith("GID_") || group.startsWith("GID-")) && group.length() > 4
                && !device.isEmpty() && isWordChars(group) && isWordChars(device);
    }

    private static boolean isWordChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
