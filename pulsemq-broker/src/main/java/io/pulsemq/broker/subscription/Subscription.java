package io.pulsemq.broker.subscription;

/**
 * One client's subscription to one topic filter, with its MQTT 5 options (v3 clients get the defaults).
 *
 * @param clientId          the subscriber
 * @param filter            the topic filter without any {@code $share/<name>/} prefix
 * @param shareName         the shared subscription name, or null for a plain subscription
 * @param qos               maximum QoS granted
 * @param noLocal           v5 No Local: never deliver the client's own messages
 * @param retainAsPublished v5 Retain As Published: keep the RETAIN flag on forwarded messages
 * @param retainHandling    v5 Retain Handling: 0 send retained on subscribe, 1 only if new, 2 never
 * @param subscriptionId    v5 Subscription Identifier, or 0 for none
 */
public record Subscription(
        String clientId,
        String filter,
        String shareName,
        int qos,
        boolean noLocal,
        boolean retainAsPublished,
        int retainHandling,
        int subscriptionId) {

    /** Whether this is a shared subscription ({@code $share/name/filter}). */
    public boolean shared() {
        return shareName != null;
    }

    /** The filter as the client wrote it, {@code $share/name/filter} for shared ones; the key of the subscription. */
    public String fullFilter() {
        return shareName == null ? filter : "$share/" + shareName + "/" + filter;
    }
}
