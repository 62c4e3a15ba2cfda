package io.vessel.kernel.api;

/**
 * How far placement may allot a node's resources to VEs, as a multiple of what it has: {@code 1.0} allots no more
 * than there is, {@code 1.5} half as much again (overselling is normal in hosting: VEs seldom use all they may).
 * A null ratio sets no cap for that resource; placement still prefers the node with the most room.
 *
 * @param cpu    CPU cores allotted (a VE's CPU cap; a VE without one counts as one core) over the node's cores
 * @param memory memory limits over the node's memory
 * @param disk   disk quotas over the node's storage pool
 * @since 2.12
 */
public record NodeOvercommit(Double cpu, Double memory, Double disk) {

    /** No caps. */
    public static final NodeOvercommit NONE = new NodeOvercommit(null, null, null);
}
