package io.vessel.kernel.api;

import java.time.Instant;

/**
 * What a VE used, as sampled by the accounting service. Counters ({@code …Total}) are lifetime totals of the VE
 * that never go backwards, also across VE restarts and panel restarts; the others are gauges at {@code at}.
 * Names and meaning are the same on cgroup v1 and v2 hosts. Null: not measured on this host (yet).
 *
 * @param cpuNanosTotal     CPU time
 * @param memoryBytes       memory in use (what the memory limit is compared with)
 * @param memoryPeakBytes   the most memory in use at once since the VE started
 * @param swapBytes         swap in use
 * @param processes         processes and threads
 * @param diskBytes         bytes the VE's file system holds (from the storage driver's accounting)
 * @param diskInodes        files the VE's file system holds, where the storage driver counts them
 * @param readBytesTotal    bytes read from disk
 * @param writeBytesTotal   bytes written to disk
 * @param readOpsTotal      disk read operations
 * @param writeOpsTotal     disk write operations
 * @param netRxBytesTotal   bytes received over the network
 * @param netTxBytesTotal   bytes sent over the network
 * @param netRxPacketsTotal packets received
 * @param netTxPacketsTotal packets sent
 * @param memoryKibSecondsTotal memory in use integrated over time, KiB × seconds (the time integrals are lifetime
 *                              totals like the counters; how time the panel did not measure counts is the kernel
 *                              layer's gap rule: running time and memory count at most two sampling intervals of a
 *                              gap, disk space and addresses, held whether the VE runs or not, all of it)
 * @param diskKibSecondsTotal   disk space held integrated over time, KiB × seconds
 * @param runningMillisTotal    time the VE ran, milliseconds
 * @param addressMillisTotal    IP addresses held integrated over time, addresses × milliseconds
 * @param netExternalTxBytesTotal bytes the VE sent to anything but the other VEs on its bridge (the uplink, the
 *                                internet through the host, the host): its billable traffic out
 * @param netExternalRxBytesTotal bytes the VE received from anything but the other VEs on its bridge
 */
public record UsageSample(int veId, Instant at, long cpuNanosTotal, long memoryBytes, long memoryPeakBytes, long swapBytes,
                          long processes, Long diskBytes, Long diskInodes, long readBytesTotal, long writeBytesTotal,
                          long readOpsTotal, long writeOpsTotal, Long netRxBytesTotal, Long netTxBytesTotal,
                          Long netRxPacketsTotal, Long netTxPacketsTotal, Long memoryKibSecondsTotal, Long diskKibSecondsTotal,
                          Long runningMillisTotal, Long addressMillisTotal, Long netExternalTxBytesTotal, Long netExternalRxBytesTotal) {

    /** A sample without the time integrals (unknown). */
    public UsageSample(int veId, Instant at, long cpuNanosTotal, long memoryBytes, long memoryPeakBytes, long swapBytes,
                       long processes, Long diskBytes, Long diskInodes, long readBytesTotal, long writeBytesTotal,
                       long readOpsTotal, long writeOpsTotal, Long netRxBytesTotal, Long netTxBytesTotal,
                       Long netRxPacketsTotal, Long netTxPacketsTotal) {
        this(veId, at, cpuNanosTotal, memoryBytes, memoryPeakBytes, swapBytes, processes, diskBytes, diskInodes, readBytesTotal,
                writeBytesTotal, readOpsTotal, writeOpsTotal, netRxBytesTotal, netTxBytesTotal, netRxPacketsTotal, netTxPacketsTotal,
                null, null, null, null, null, null);
    }

    /** The same sample as of another time (a rollup answered with its bucket's end). */
    public UsageSample asOf(Instant time) {
        return new UsageSample(veId, time, cpuNanosTotal, memoryBytes, memoryPeakBytes, swapBytes, processes, diskBytes, diskInodes,
                readBytesTotal, writeBytesTotal, readOpsTotal, writeOpsTotal, netRxBytesTotal, netTxBytesTotal, netRxPacketsTotal,
                netTxPacketsTotal, memoryKibSecondsTotal, diskKibSecondsTotal, runningMillisTotal, addressMillisTotal, netExternalTxBytesTotal,
                netExternalRxBytesTotal);
    }
}
