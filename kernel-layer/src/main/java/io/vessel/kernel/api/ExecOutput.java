package io.vessel.kernel.api;

/**
 * Receives a command's output as it is printed, for callers that stream it (nothing is buffered or capped).
 * Called from two threads, one per stream.
 */
@FunctionalInterface
public interface ExecOutput {

    /** {@code length} bytes of {@code data} were printed on standard error ({@code stderr}) or standard output. */
    void write(boolean stderr, byte[] data, int length) throws java.io.IOException;
}
