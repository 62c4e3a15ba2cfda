package io.vessel.api.operation;

/** Thrown by operation work to fail with a message meant for the user (other exceptions show a generic one). */
public class OperationFailure extends Exception {

    private static final long serialVersionUID = 1L;

    public OperationFailure(String message) {
        super(message);
    }

    public OperationFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
