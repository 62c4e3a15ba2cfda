package io.vessel.kernel.api;

import java.util.Map;
import java.util.Set;

/**
 * Lifecycle of a VE. {@link #UNKNOWN} is never recorded: it is what a VE is reported as while its node is out of
 * reach (the panel does not make a state up), and nothing becomes it or leaves it.
 */
public enum VeState {
    CREATING, STOPPED, RUNNING, SUSPENDED, DESTROYED, ERROR, UNKNOWN;

    private static final Map<VeState, Set<VeState>> ALLOWED = Map.of(
            CREATING, Set.of(STOPPED, ERROR, DESTROYED),
            STOPPED, Set.of(RUNNING, DESTROYED, ERROR),
            RUNNING, Set.of(STOPPED, SUSPENDED, ERROR),
            SUSPENDED, Set.of(RUNNING, STOPPED, ERROR),
            ERROR, Set.of(STOPPED, DESTROYED),
            DESTROYED, Set.of(),
            UNKNOWN, Set.of());

    public boolean canBecome(VeState next) {
        return ALLOWED.get(this).contains(next);
    }
}
