package io.vessel.kernel.api;

import java.math.BigDecimal;

/**
 * Resource limits of a VE. A null field means "unchanged" in an update and "the default" at creation.
 *
 * @param cpuWeight   relative CPU share, 1 to 10000 (100 is normal)
 * @param cpus        CPU time cap in cores, e.g. 1.5; null or 0: no cap
 * @param memoryBytes RAM limit
 * @param swapBytes   swap allowed on top of RAM
 * @param processes   maximum number of processes and threads
 * @param diskBytes   disk quota of the VE's file system
 */
public record VeLimits(Integer cpuWeight, BigDecimal cpus, Long memoryBytes, Long swapBytes, Integer processes,
                       Long diskBytes) {

    public static final VeLimits DEFAULTS = new VeLimits(100, null, 512L << 20, 0L, 512, 2L << 30);

    /** These limits with every null filled from {@code base}. */
    public VeLimits over(VeLimits base) {
        return new VeLimits(cpuWeight != null ? cpuWeight : base.cpuWeight, cpus != null ? cpus : base.cpus,
                memoryBytes != null ? memoryBytes : base.memoryBytes, swapBytes != null ? swapBytes : base.swapBytes,
                processes != null ? processes : base.processes, diskBytes != null ? diskBytes : base.diskBytes);
    }
}
