package io.vessel.kernel.api;

/** The outcome of a command run inside a VE; {@code timedOut} when it was killed at its deadline. */
public record ExecResult(int exitCode, String stdout, String stderr, boolean timedOut) {
}
