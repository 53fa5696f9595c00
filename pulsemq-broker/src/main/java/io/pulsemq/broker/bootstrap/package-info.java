/**
 * Process start-up: the command line ({@link io.pulsemq.broker.bootstrap.Main}), the composition root
 * ({@code Broker}), which builds the component graph in dependency order and stops it in reverse, and
 * {@code <data>/ports.json} ({@link io.pulsemq.broker.bootstrap.PortsFile}).
 */
package io.pulsemq.broker.bootstrap;
