package io.vessel.kernel.api;

import java.math.BigDecimal;

/**
 * Resource limits of a VE. A null field means "unchanged" in an update and "the default" at creation. All of
 * them change on a running VE without a restart.
 *
 * @param cpuWeight           relative CPU share, 1 to 10000 (100 is normal)
 * @param cpus                CPU time cap in cores, e.g. 1.5; null or 0: no cap
 * @param cpuset              host CPUs the VE may run on, e.g. {@code 0-1} or {@code 0,2}; empty: all
 * @param memoryBytes         RAM limit
 * @param swapBytes           swap allowed on top of RAM
 * @param processes           maximum number of processes and threads
 * @param diskBytes           disk quota of the VE's file system
 * @param ioWeight            relative disk time share, 1 to 10000 (100 is normal), where the host's I/O scheduler
 *                            supports weights
 * @param readBytesPerSecond  disk read bandwidth cap; 0: none
 * @param writeBytesPerSecond disk write bandwidth cap; 0: none
 * @param readIops            disk read operations per second cap; 0: none
 * @param writeIops           disk write operations per second cap; 0: none
 * @param netInBitsPerSecond  network bandwidth into the VE; 0: none (VEs with an address)
 * @param netOutBitsPerSecond network bandwidth out of the VE; 0: none
 * @param smtp                whether the VE may send mail directly to other servers (outbound TCP port 25); off by
 *                            default, as across the hosting industry, to keep the provider's addresses off block lists
 */
public record VeLimits(Integer cpuWeight, BigDecimal cpus, String cpuset, Long memoryBytes, Long swapBytes,
                       Integer processes, Long diskBytes, Integer ioWeight, Long readBytesPerSecond,
                       Long writeBytesPerSecond, Long readIops, Long writeIops, Long netInBitsPerSecond,
                       Long netOutBitsPerSecond, Boolean smtp) {

    public static final VeLimits DEFAULTS = new VeLimits(100, null, "", 512L << 20, 0L, 512, 2L << 30, 100, 0L, 0L, 0L, 0L, 0L, 0L, false);

    /** Limits without an opinion on SMTP (kept as before). */
    public VeLimits(Integer cpuWeight, BigDecimal cpus, String cpuset, Long memoryBytes, Long swapBytes, Integer processes, Long diskBytes,
                    Integer ioWeight, Long readBytesPerSecond, Long writeBytesPerSecond, Long readIops, Long writeIops,
                    Long netInBitsPerSecond, Long netOutBitsPerSecond) {
        this(cpuWeight, cpus, cpuset, memoryBytes, swapBytes, processes, diskBytes, ioWeight, readBytesPerSecond, writeBytesPerSecond,
                readIops, writeIops, netInBitsPerSecond, netOutBitsPerSecond, null);
    }

    /** These limits with every null filled from {@code base}. */
    public VeLimits over(VeLimits base) {
        return new VeLimits(or(cpuWeight, base.cpuWeight), or(cpus, base.cpus), or(cpuset, base.cpuset),
                or(memoryBytes, base.memoryBytes), or(swapBytes, base.swapBytes), or(processes, base.processes),
                or(diskBytes, base.diskBytes), or(ioWeight, base.ioWeight), or(readBytesPerSecond, base.readBytesPerSecond),
                or(writeBytesPerSecond, base.writeBytesPerSecond), or(readIops, base.readIops), or(writeIops, base.writeIops),
                or(netInBitsPerSecond, base.netInBitsPerSecond), or(netOutBitsPerSecond, base.netOutBitsPerSecond), or(smtp, base.smtp));
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Whether any disk bandwidth or operations cap is set. */
    public boolean throttlesIo() {
        return positive(readBytesPerSecond) || positive(writeBytesPerSecond) || positive(readIops) || positive(writeIops);
    }

    private static boolean positive(Long value) {
        return value != null && value > 0;
    }
}
