package io.pulsemq.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The names of the JetStream status log: one stream, one subject per client under its group,
 * {@code <prefix>.<group token>.<client token>}. A token is {@code _} and the base64url (no padding) of the UTF-8
 * name: any MQTT-legal client ID (which may hold {@code .}, {@code *}, {@code >} or spaces) maps to one valid subject
 * token, distinct IDs to distinct tokens, and a reader of one group filters with {@code <prefix>.<group token>.*}.
 * A name longer than {@value #MAX_PLAIN_BYTES} bytes (MQTT allows 65,535) becomes {@code h} and the base64url of its
 * SHA-256 instead, so that a subject stays far below NATS's 4 KiB limit on a protocol line; the event inside the
 * message names the client in full.
 *
 * @param stream        the stream's name
 * @param subjectPrefix the first tokens of every subject, without the trailing dot
 */
public record StatusSubjects(String stream, String subjectPrefix) {

    /** Names up to this many UTF-8 bytes are spelled out in their token; longer ones are hashed. */
    static final int MAX_PLAIN_BYTES = 256;
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    /** The names a broker uses. */
    public static final StatusSubjects DEFAULT = new StatusSubjects("PULSEMQ_STATUS", "pulsemq.status");

    /** The subject of {@code clientId}'s events. */
    public String client(String groupId, String clientId) {
        return subjectPrefix + '.' + token(groupId) + '.' + token(clientId);
    }

    /** Every subject of one group. */
    public String group(String groupId) {
        return subjectPrefix + '.' + token(groupId) + ".*";
    }

    /** Every subject of the stream. */
    public String all() {
        return subjectPrefix + ".>";
    }

    /** The JetStream API subject that answers the status stream's info (its state: first and last sequence). */
    public String infoSubject() {
        return "$JS.API.STREAM.INFO." + stream;
    }

    /**
     * The stream that keeps, without an age limit, the status of clients whose last event is about to leave the status
     * stream by retention (one message per client).
     */
    public String keptStream() {
        return stream + "_KEPT";
    }

    /** The subject of {@code clientId}'s kept status. */
    public String kept(String groupId, String clientId) {
        return subjectPrefix + "-kept." + token(groupId) + '.' + token(clientId);
    }

    /** Every subject of the kept statuses' stream. */
    public String allKept() {
        return subjectPrefix + "-kept.>";
    }

    /** The JetStream API subject that answers "the last message of a subject" of the status stream. */
    public String lastMessageSubject() {
        return "$JS.API.STREAM.MSG.GET." + stream;
    }

    /** The stream of the nodes' write probes (one message kept per node). */
    public String probeStream() {
        return stream + "_PROBE";
    }

    /** The subject of {@code node}'s write probes. */
    public String probe(String node) {
        return subjectPrefix + "-probe." + token(node);
    }

    /** Every subject of the probes' stream. */
    public String allProbes() {
        return subjectPrefix + "-probe.>";
    }

    /** The stream of refused connection attempts kept for the clients' traces. */
    public String rejectedStream() {
        return stream + "_REJECTED";
    }

    /** The subject of {@code clientId}'s refused attempts. */
    public String rejected(String clientId) {
        return subjectPrefix + "-rejected." + token(clientId);
    }

    /** Every subject of the refused attempts' stream. */
    public String allRejected() {
        return subjectPrefix + "-rejected.>";
    }

    /** The subject token of {@code name}: {@code _} and its base64url, or {@code h} and that of its SHA-256 when long. */
    public static String token(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_PLAIN_BYTES) {
            try {
                return 'h' + BASE64.encodeToString(MessageDigest.getInstance("SHA-256").digest(utf8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java has SHA-256", e);
            }
        }
        return '_' + BASE64.encodeToString(utf8);
    }
}
