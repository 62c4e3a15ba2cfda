package io.vessel.kernel.api.hook;

/**
 * A plugin's say in a VE's life, registered as an OSGi service. {@link #before} runs before the action, in the
 * caller's request where there is one (so a refusal reaches the caller at once, as a {@code 422} or {@code 409}
 * problem, and is written to the audit log), on the plugin's own threads with a time limit. {@link #after} runs
 * once the action succeeded, asynchronously: it never holds up or fails the action.
 *
 * <p>Hooks are asked in the order of their {@code service.ranking} (highest first, then the oldest service); the
 * first refusal ends the asking. Service properties declare how each hook is treated:
 * <ul>
 * <li>{@link #ACTIONS}: the actions it cares about (names of {@link VeAction}); all when absent.</li>
 * <li>{@link #TIME_LIMIT}: milliseconds {@code before} may take (default {@value #DEFAULT_TIME_LIMIT_MS}).</li>
 * <li>{@link #ON_FAILURE}: what it means when {@code before} throws anything but a {@link VeVeto}, or overruns:
 * {@code refuse} (fail closed, the default: for policies that must hold) or {@code allow} (fail open, logged:
 * for hooks that must never stop a tenant because they are sick).</li>
 * <li>{@link #NAME}: the name in refusals and logs; the bundle's symbolic name when absent.</li>
 * </ul>
 */
public interface VeLifecycleHook {

    String ACTIONS = "vessel.hook.actions";
    String TIME_LIMIT = "vessel.hook.timeLimitMs";
    String ON_FAILURE = "vessel.hook.onFailure";
    String NAME = "vessel.hook.name";

    long DEFAULT_TIME_LIMIT_MS = 2000;

    /** Throws {@link VeVeto} to refuse; returning allows. */
    default void before(VeLifecycleEvent event) throws VeVeto {
    }

    /** Told after the action succeeded. */
    default void after(VeLifecycleEvent event) {
    }
}
