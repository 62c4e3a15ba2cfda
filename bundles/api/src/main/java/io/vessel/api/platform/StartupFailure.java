package io.vessel.api.platform;

/**
 * Registered by a component that cannot start because of configuration or environment
 * (unreachable database, wrong password, unusable data directory). The launcher prints
 * {@link #message()} as one line and exits with a non-zero status instead of running half a panel.
 *
 * <p>The service properties {@value #COMPONENT_PROPERTY} and {@value #MESSAGE_PROPERTY} carry the same
 * information, so the launcher can read them without loading this class.
 */
public interface StartupFailure {

    String COMPONENT_PROPERTY = "vessel.startup.component";
    String MESSAGE_PROPERTY = "vessel.startup.message";

    /** Which component failed, e.g. {@code database}. */
    String component();

    /** One line a human can act on, without a stack trace. */
    String message();
}
