package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.StatusSubjects;

/**
 * The NATS names of routing between nodes. Core NATS: {@code <prefix>.interest.<node token>}, where each node announces
 * its subscription filters (and asks for the others'); {@code <prefix>.msg.<node token>}, where a node receives the
 * messages other nodes route to it. JetStream: the stream {@code retainedStream}, one subject
 * {@code <retainedPrefix>.<topic token>} per retained topic. Tokens are {@link StatusSubjects#token}s, so any node
 * name and any MQTT topic maps to one valid subject token.
 *
 * @param prefix         the first tokens of the core NATS subjects, without the trailing dot
 * @param retainedStream the name of the retained messages' stream
 * @param retainedPrefix the first tokens of the retained messages' subjects, without the trailing dot
 */
public record RouteSubjects(String prefix, String retainedStream, String retainedPrefix) {

    /** The names a broker uses. */
    public static final RouteSubjects DEFAULT = new RouteSubjects("pulsemq.routes", "PULSEMQ_RETAINED",
            "pulsemq.retained");

    /** Where {@code node} announces its interest. */
    public String interest(String node) {
        return prefix + ".interest." + StatusSubjects.token(node);
    }

    /** Every node's announcements. */
    public String allInterest() {
        return prefix + ".interest.*";
    }

    /** Where {@code node} receives the messages routed to it. */
    public String messages(String node) {
        return prefix + ".msg." + StatusSubjects.token(node);
    }

    /** Where {@code node} receives the acknowledgements of the messages it routed to other nodes. */
    public String acks(String node) {
        return prefix + ".ack." + StatusSubjects.token(node);
    }

    /** The subject of {@code topic}'s retained message. */
    public String retained(String topic) {
        return retainedPrefix + '.' + StatusSubjects.token(topic);
    }

    /** Every subject of the retained messages' stream. */
    public String allRetained() {
        return retainedPrefix + ".>";
    }
}
