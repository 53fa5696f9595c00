/**
 * JMH micro-benchmarks of the broker's hot paths: topic matching, status event encoding, presence lookups.
 * Run by {@code ./pulsemq bench} (short settings) or on their own with {@code ./pulsemq bench --jmh}.
 */
package io.pulsemq.bench.jmh;
