/**
 * MQTT topic authorization: the {@link io.pulsemq.broker.authz.Authorizer} compiled once from the configured rules,
 * and the per-connection {@link io.pulsemq.broker.authz.Permissions} it derives for one authenticated identity.
 */
package io.pulsemq.broker.authz;
