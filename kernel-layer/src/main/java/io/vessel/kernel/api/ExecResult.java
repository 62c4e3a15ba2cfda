package io.vessel.kernel.api;

/**
 * The outcome of a command run inside a VE; {@code timedOut} when it was killed at its deadline. Each stream keeps
 * at most the node's cap (default 1 MiB); {@code truncated} says more was printed, {@code stdoutBytes} and
 * {@code stderrBytes} how much. When the output was streamed, {@code stdout} and {@code stderr} are empty.
 */
public record ExecResult(int exitCode, String stdout, String stderr, boolean timedOut, boolean truncated, long stdoutBytes,
                         long stderrBytes) {

    /** A result whose output was kept whole. */
    public ExecResult(int exitCode, String stdout, String stderr, boolean timedOut) {
        this(exitCode, stdout, stderr, timedOut, false, stdout.length(), stderr.length());
    }
}
