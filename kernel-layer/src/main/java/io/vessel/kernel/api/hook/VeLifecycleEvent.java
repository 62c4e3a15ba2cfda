package io.vessel.kernel.api.hook;

import io.vessel.kernel.api.VeLimits;

/**
 * A VE action hooks are asked about or told of.
 *
 * @param action   what happens
 * @param veId     the VE's id (for {@link VeAction#CREATE}, the id it will have)
 * @param owner    the tenant the VE belongs to (its id as text), or null for the provider's own
 * @param hostname the VE's host name
 * @param template the template it is made from (for {@link VeAction#REINSTALL}: the one it is reinstalled from)
 * @param limits   its limits (for {@link VeAction#CREATE} the requested ones, for {@link VeAction#CHANGE_LIMITS}
 *                 the ones it will have); null fields are unlimited or the node's default
 */
public record VeLifecycleEvent(VeAction action, int veId, String owner, String hostname, String template, VeLimits limits) {
}
