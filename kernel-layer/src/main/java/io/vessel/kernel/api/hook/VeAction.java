package io.vessel.kernel.api.hook;

/** What is about to happen, or has happened, to a VE. */
public enum VeAction {
    /** A new VE; the event carries what was asked for (no VE exists yet before, so its id is the one reserved). */
    CREATE,
    /** A start, also the start half of a restart. */
    START,
    /** Its file system replaced with a fresh copy of a template (the event's template). */
    REINSTALL,
    /** New resource limits (the event's limits are the VE's limits once changed). */
    CHANGE_LIMITS,
    /** The VE and everything in it removed. */
    DESTROY
}
