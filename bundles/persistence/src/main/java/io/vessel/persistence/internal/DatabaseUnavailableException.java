package io.vessel.persistence.internal;

/** The database cannot be used as configured. The message is one line meant for the operator. */
final class DatabaseUnavailableException extends RuntimeException {

    DatabaseUnavailableException(String message) {
        super(message);
    }

    DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
