/**
 * Sessions and connection lifecycles: {@link io.pulsemq.broker.session.SessionRegistry} owns which connection
 * belongs to which client ID (takeover, expiry, wills); {@link io.pulsemq.broker.session.Session} holds one
 * client's subscriptions and outbound messages; {@link io.pulsemq.broker.session.SessionStore} persists them.
 */
package io.pulsemq.broker.session;
