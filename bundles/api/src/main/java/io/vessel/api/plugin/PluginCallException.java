package io.vessel.api.plugin;

/** A call into a plugin that did not return normally; {@link #reason()} says how. */
public class PluginCallException extends Exception {

    private static final long serialVersionUID = 1L;

    /** How the call went wrong. */
    public enum Reason {
        /** The plugin's code threw; the cause is what it threw. */
        FAILED,
        /** The plugin's code did not return within its time limit (it may still be running, on its own thread). */
        TIMED_OUT,
        /** The call did not run: the plugin's pool is full, or the plugin is stopped or disabled. */
        UNAVAILABLE
    }

    private final Reason reason;

    public PluginCallException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
