package io.pulsemq.broker.cli;

/**
 * Exit codes of the client commands (documented in docs/sdk.md):
 * <ul>
 *   <li>{@value #OK}: done; for {@code status} every client asked about is online</li>
 *   <li>{@value #FAILURE}: the broker answered an error, or a file could not be written</li>
 *   <li>{@value #USAGE}: bad command line (picocli's usage error code)</li>
 *   <li>{@value #NEGATIVE}: the answer is no: {@code status} found a client offline or never seen, {@code kick}
 *       found the client not connected</li>
 *   <li>{@value #UNREACHABLE}: the broker cannot be reached (down, wrong URL, timeout)</li>
 *   <li>{@value #AUTH}: no access key found, or the broker refused it (401) or its rights (403)</li>
 * </ul>
 */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int NEGATIVE = 3;
    public static final int UNREACHABLE = 4;
    public static final int AUTH = 5;

    private ExitCodes() {
    }
}
