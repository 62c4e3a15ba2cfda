package io.vessel.kernel.api;

/** Receives how far a long kernel-layer action has come (the REST layer forwards it to the operation). */
@FunctionalInterface
public interface Progress {

    Progress NONE = (percent, message) -> { };

    void update(int percent, String message);
}
