package io.vessel.kernel.api;

import java.time.Instant;
import java.util.UUID;

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
 * @param node        the node it is placed on (null where not known: made by a caller before 2.11)
 */
public record VirtualEnvironment(int id, String name, String hostname, String template, int templateVersion, String owner, VeState state,
                                 String stateReason, boolean privileged, VeLimits limits, Instant createdAt,
                                 Instant updatedAt, UsageSample usage, VeFeatures features, UUID node) {

    /** A VE whose node is not given (as before 2.11). */
    public VirtualEnvironment(int id, String name, String hostname, String template, int templateVersion, String owner, VeState state,
                              String stateReason, boolean privileged, VeLimits limits, Instant createdAt, Instant updatedAt,
                              UsageSample usage, VeFeatures features) {
        this(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged, limits, createdAt, updatedAt, usage,
                features, null);
    }

    /** A VE with no features granted (as before 2.3). */
    public VirtualEnvironment(int id, String name, String hostname, String template, int templateVersion, String owner, VeState state,
                              String stateReason, boolean privileged, VeLimits limits, Instant createdAt, Instant updatedAt,
                              UsageSample usage) {
        this(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged, limits, createdAt, updatedAt, usage,
                VeFeatures.NONE, null);
    }

    /** This VE with its current usage. */
    public VirtualEnvironment withUsage(UsageSample current) {
        return new VirtualEnvironment(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged,
                limits, createdAt, updatedAt, current, features, node);
    }

    /**
     * This VE as it looks while its node is out of reach: its state {@link VeState#UNKNOWN}, never a made-up one,
     * with {@code reason}.
     */
    public VirtualEnvironment unknownBecause(String reason) {
        return new VirtualEnvironment(id, name, hostname, template, templateVersion, owner, VeState.UNKNOWN, reason, privileged,
                limits, createdAt, updatedAt, null, features, node);
    }
}
