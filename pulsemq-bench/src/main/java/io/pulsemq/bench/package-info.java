/**
 * Benchmarks of PulseMQ, run by {@code ./pulsemq bench}: connection churn with durable status events against
 * PulseMQ and Mosquitto ({@link io.pulsemq.bench.MqttLoadGenerator}), status queries over the HTTP API with
 * 100,000 registered clients ({@link io.pulsemq.bench.StatusQueryBench}), JMH micro-benchmarks of the hot
 * paths ({@link io.pulsemq.bench.jmh}), status notifications to the server SDK (AMQP) and the SSE stream
 * ({@link io.pulsemq.bench.amqp.StatusNotificationBenchmark}, broker in its own JVM), and publish/subscribe,
 * overload and idle-connection memory against PulseMQ, Mosquitto and HiveMQ CE ({@link io.pulsemq.bench.PubSubBench},
 * load from {@link io.pulsemq.bench.pubsub}). {@link io.pulsemq.bench.BenchMain} runs them in one go and writes
 * {@code docs/benchmarks.md}, {@code docs/benchmarks.json} and the plots {@code docs/bench-*.png}.
 *
 * <p>Everything here talks to 127.0.0.0/8 only, every loop is bounded in time and count, and every process a
 * run starts is stopped when it ends, also on failure.
 */
package io.pulsemq.bench;
