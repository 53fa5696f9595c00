package io.pulsemq.broker.api;

import io.pulsemq.protocol.StatusEvent;

import java.nio.charset.StandardCharsets;

/** Status events as CSV (RFC 4180): a header row, comma separated, CRLF line ends, quoted where needed. */
final class Csv {

    /** The header row, in the field order of the status event JSON. */
    static final String HEADER = "offset,clientId,groupId,eventType,channelId,clientIp,time,version,reason,node,"
            + "certificateChainSn,remark\r\n";

    private Csv() {
    }

    /** One event as a CSV row, CRLF-terminated. A null field is an empty cell. */
    static byte[] row(StatusEvent e) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(e.offset()).append(',');
        field(sb, e.clientId()).append(',');
        field(sb, e.groupId()).append(',');
        sb.append(e.eventType().wireName()).append(',');
        field(sb, e.channelId()).append(',');
        field(sb, e.clientIp()).append(',');
        sb.append(e.time()).append(',');
        sb.append(e.version()).append(',');
        field(sb, e.reason() == null ? null : e.reason().wireName()).append(',');
        field(sb, e.node()).append(',');
        field(sb, e.certificateChainSn()).append(',');
        field(sb, e.remark()).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Appends one cell: quoted (with {@code "} doubled) when it holds a comma, quote, CR or LF. */
    static StringBuilder field(StringBuilder sb, String value) {
        if (value == null) {
            return sb;
        }
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        if (!quote) {
            return sb.append(value);
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                sb.append('"');
            }
            sb.append(c);
        }
        return sb.append('"');
    }
}
