package io.pulsemq.broker.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * What the commands read and write besides their options: the environment, the output streams, and whether
 * standard error is a terminal (progress output).
 */
public record CliContext(Map<String, String> environment, PrintStream out, PrintStream err, boolean terminal) {
}
