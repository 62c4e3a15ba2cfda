package io.vessel.kernel.internal.cgroup;

/**
 * Counters and gauges of one VE's cgroup, with the same meaning on v1 and v2. Counters are as the kernel keeps
 * them (they restart at zero when the VE restarts); a null means the host does not report the figure.
 *
 * @param cpuNanos         CPU time used
 * @param memoryBytes      memory charged now (what the memory limit is compared with)
 * @param memoryPeakBytes  most memory charged at once, as far as the kernel reports it
 * @param swapBytes        swap used now
 * @param processes        processes and threads now
 * @param readBytes        bytes read from block devices
 * @param writeBytes       bytes written to block devices
 * @param readOps          read operations
 * @param writeOps         write operations
 */
public record CgroupStats(long cpuNanos, long memoryBytes, Long memoryPeakBytes, long swapBytes, long processes,
                          long readBytes, long writeBytes, long readOps, long writeOps) {
}
