/**
 * The configuration model and its loading. The records here are the one home of every configuration key;
 * {@link io.pulsemq.broker.config.ConfigLoader} builds a {@link io.pulsemq.broker.config.BrokerConfig} from
 * built-in defaults, a YAML file, {@code PULSEMQ_*} environment variables and command-line overrides, and
 * rejects unknown keys and out-of-range values with messages meant for operators.
 */
package io.pulsemq.broker.config;
