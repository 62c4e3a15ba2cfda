package io.vessel.kernel.api.hook;

/**
 * Thrown by {@link VeLifecycleHook#before} to refuse an action. The reason reaches the caller as it is written,
 * after {@code "Plugin <name> refused: "}, so write it for the customer or admin who asked:
 * {@code "names must not contain 'admin'"}. A refusal is answered {@code 422} (the request itself is not
 * acceptable) unless made with {@link #conflict} ({@code 409}: not now, in this state).
 */
public class VeVeto extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean conflict;

    public VeVeto(String reason) {
        this(reason, false);
    }

    private VeVeto(String reason, boolean conflict) {
        super(reason);
        this.conflict = conflict;
    }

    /** A refusal because of the current state of things, answered {@code 409}. */
    public static VeVeto conflict(String reason) {
        return new VeVeto(reason, true);
    }

    public boolean isConflict() {
        return conflict;
    }
}
