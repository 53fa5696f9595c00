/**
 * Subscriptions and topic matching: what a subscription is ({@link io.pulsemq.broker.subscription.Subscription}),
 * the MQTT rules for topic names, topic filters and shared subscription filters
 * ({@link io.pulsemq.broker.subscription.Topics}), and the broker-wide index that answers which subscriptions
 * match a topic ({@link io.pulsemq.broker.subscription.SubscriptionTrie}).
 *
 * <p>Owns the in-memory subscription index only. Sessions own which subscriptions a client has and persist
 * them; routing decides, from the matches, who gets a message and which member of a shared group.
 */
package io.pulsemq.broker.subscription;
