package io.vessel.cli;

/** vesselctl's exit codes, as documented in its help and man page: scripts branch on them. */
public final class ExitCode {

    public static final int OK = 0;
    /** The panel could not be reached, or answered with an error of its own. */
    public static final int ERROR = 1;
    /** The command line, or the input it sent, is wrong (unknown option, bad size, a field the panel refused as invalid). */
    public static final int USAGE = 2;
    /** What the command names does not exist (or is not the caller's to see). */
    public static final int NOT_FOUND = 3;
    /** Not allowed, or not now: no permission, not logged in, a conflict with the object's state, a quota. */
    public static final int REFUSED = 4;
    /** The long operation ran and failed. */
    public static final int OPERATION_FAILED = 5;

    private ExitCode() {
    }

    /** The exit code for an API answer with this HTTP status. */
    public static int ofStatus(int status) {
        return switch (status) {
            case 400, 413, 415, 422 -> USAGE;
            case 404, 410 -> NOT_FOUND;
            case 401, 403, 409, 412, 423, 429 -> REFUSED;
            default -> ERROR;
        };
    }
}
