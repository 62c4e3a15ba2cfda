package io.vessel.api.platform;

/** Ordered from best to worst, so the overall state of several checks is the maximum. */
public enum HealthState {
    /** Working as configured. */
    UP,
    /** Serving, but some capability is missing (e.g. no OCI runtime found: VEs cannot start). */
    DEGRADED,
    /** Not serving its purpose (e.g. database unreachable). */
    DOWN
}
