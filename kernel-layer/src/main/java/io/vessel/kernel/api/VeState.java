package io.vessel.kernel.api;

import java.util.Map;
import java.util.Set;

/** Lifecycle of a VE. */
public enum VeState {
    CREATING, STOPPED, RUNNING, SUSPENDED, DESTROYED, ERROR;

    private static final Map<VeState, Set<VeState>> ALLOWED = Map.of(
            CREATING, Set.of(STOPPED, ERROR, DESTROYED),
            STOPPED, Set.of(RUNNING, DESTROYED, ERROR),
            RUNNING, Set.of(STOPPED, SUSPENDED, ERROR),
            SUSPENDED, Set.of(RUNNING, STOPPED, ERROR),
            ERROR, Set.of(STOPPED, DESTROYED),
            DESTROYED, Set.of());

    public boolean canBecome(VeState next) {
        return ALLOWED.get(this).contains(next);
    }
}
