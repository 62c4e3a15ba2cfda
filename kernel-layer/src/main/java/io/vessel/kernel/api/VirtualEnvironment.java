package io.vessel.kernel.api;

import java.time.Instant;

/**
 * A VE as the panel knows it.
 *
 * @param id          numeric id, like OpenVZ's CTID (1 to 65534)
 * @param template        the template's name
 * @param templateVersion the version of the template its file system was made from
 * @param owner       reference to the owning tenant (the identity layer gives it meaning)
 * @param stateReason why the VE is in ERROR, or the last correction made by reconciliation
 * @param privileged  true when root in the VE is root on the host (admin opt-in); false: own user namespace
 * @param usage       what the running VE uses now, beside its limits (null while it is not running)
 * @param features    what the provider granted beyond a standard server (nesting)
 */
public record VirtualEnvironment(int id, String name, String hostname, String template, int templateVersion, String owner, VeState state,
                                 String stateReason, boolean privileged, VeLimits limits, Instant createdAt,
                                 Instant updatedAt, UsageSample usage, VeFeatures features) {

    /** A VE with no features granted (as before 2.3). */
    public VirtualEnvironment(int id, String name, String hostname, String template, int templateVersion, String owner, VeState state,
                              String stateReason, boolean privileged, VeLimits limits, Instant createdAt, Instant updatedAt,
                              UsageSample usage) {
        this(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged, limits, createdAt, updatedAt, usage,
                VeFeatures.NONE);
    }

    /** This VE with its current usage. */
    public VirtualEnvironment withUsage(UsageSample current) {
        return new VirtualEnvironment(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged,
                limits, createdAt, updatedAt, current, features);
    }
}
