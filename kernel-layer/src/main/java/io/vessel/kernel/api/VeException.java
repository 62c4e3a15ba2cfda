package io.vessel.kernel.api;

/** A VE request that cannot be carried out; {@link #kind()} says how the API should answer. */
public class VeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the request was refused. */
    public enum Kind {
        /** No such VE (or template). */
        NOT_FOUND,
        /** The VE is in the wrong state, or the id is taken. */
        CONFLICT,
        /** The request is malformed or out of range. */
        INVALID,
        /** Well-formed but impossible, e.g. a disk quota below what the VE already uses. */
        UNPROCESSABLE,
        /** VEs cannot run on this host right now (no root, no runtime, storage unavailable). */
        UNAVAILABLE,
        /** The kernel or runtime refused; the VE was left as it was. */
        FAILED
    }

    private final Kind kind;
    private final String field;

    public VeException(Kind kind, String message) {
        this(kind, null, message, null);
    }

    public VeException(Kind kind, String field, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.field = field;
    }

    public Kind kind() {
        return kind;
    }

    /** The request field at fault, for INVALID. */
    public String field() {
        return field;
    }
}
