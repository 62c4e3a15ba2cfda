package io.vessel.kernel.api;

/** A template version's life: it is built once, then never changes. */
public enum TemplateState {
    /** Being built or imported; not usable yet. */
    BUILDING,
    /** Complete and read-only; VEs can be created from it. */
    READY,
    /** The build or import failed; nothing of it is left in the pool but this record and its error. */
    FAILED
}
