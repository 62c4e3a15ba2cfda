package io.vessel.cli;

/** A failure to tell the user in one line (never a stack trace), with the exit code scripts see. */
public final class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
