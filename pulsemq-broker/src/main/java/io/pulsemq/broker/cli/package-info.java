/**
 * The client commands of the {@code pulsemq} launcher ({@code status}, {@code clients}, {@code watch},
 * {@code trace}, {@code kick}, {@code export}): thin picocli front ends of the Java SDK, talking to a broker over
 * its HTTP API like any backend would. Owns the connection defaults, the output formats and the exit codes.
 */
package io.pulsemq.broker.cli;
