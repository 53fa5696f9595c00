/**
 * MQTT connection handling: one {@link io.pulsemq.broker.mqtt.MqttConnection} per network connection decides
 * what each packet means (CONNECT negotiation, PUBLISH flow, SUBSCRIBE options, topic aliases, keep-alive)
 * and hands session and routing work on. MQTT 3.1, 3.1.1 and 5.0 differences live in
 * {@link io.pulsemq.broker.mqtt.ProtocolVersion}.
 */
package io.pulsemq.broker.mqtt;
