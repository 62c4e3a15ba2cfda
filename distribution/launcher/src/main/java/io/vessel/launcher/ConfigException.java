package io.vessel.launcher;

/** The configuration cannot be used. The message is one line for the operator. */
final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
        super(message);
    }
}
