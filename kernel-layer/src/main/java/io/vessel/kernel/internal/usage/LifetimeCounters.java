package io.vessel.kernel.internal.usage;

import io.vessel.kernel.internal.cgroup.CgroupStats;

/**
 * Turns the kernel's per-cgroup counters, which restart at zero whenever a VE restarts (its cgroup is made anew),
 * into lifetime totals that never go backwards. A restart is recognised by a new cgroup (another inode) or by a
 * counter smaller than before; either way the new raw value is all new usage.
 *
 * @param cgroupId identity of the cgroup the raw values came from
 * @param held     the gauges' time integrals
 */
record LifetimeCounters(long cgroupId, long[] raw, long[] total, long memoryPeak, HeldIntegrals held) {

    static final int CPU = 0;
    static final int READ_BYTES = 1;
    static final int WRITE_BYTES = 2;
    static final int READ_OPS = 3;
    static final int WRITE_OPS = 4;
    static final int NET_RX_BYTES = 5;
    static final int NET_TX_BYTES = 6;
    static final int NET_RX_PACKETS = 7;
    static final int NET_TX_PACKETS = 8;
    static final int NET_EXTERNAL_TX_BYTES = 9;
    static final int NET_EXTERNAL_RX_BYTES = 10;
    static final int COUNT = 11;

    /** The database columns of each counter, in index order ({@code <name>_raw}, {@code <name>_total}). */
    static final java.util.List<String> COLUMNS = java.util.List.of("cpu_ns", "read_bytes", "write_bytes", "read_ops", "write_ops",
            "net_rx_bytes", "net_tx_bytes", "net_rx_packets", "net_tx_packets", "net_external_tx_bytes", "net_external_rx_bytes");

    static LifetimeCounters none() {
        return new LifetimeCounters(-1, new long[COUNT], new long[COUNT], 0, HeldIntegrals.none());
    }

    LifetimeCounters with(HeldIntegrals integrals) {
        return new LifetimeCounters(cgroupId, raw, total, memoryPeak, integrals);
    }

    /** The counters after a new reading from cgroup {@code cgroupId}. */
    LifetimeCounters advance(long cgroupId, CgroupStats stats) {
        return advance(cgroupId, stats, new long[4]);
    }

    /** As above, with the VE interface's received and sent bytes and packets (the interface is made anew with the cgroup). */
    LifetimeCounters advance(long cgroupId, CgroupStats stats, long[] network) {
        return advance(cgroupId, stats, network, new long[2]);
    }

    /** As above, with the VE port's external bytes sent and received (counted anew with the port, like the interface's). */
    LifetimeCounters advance(long cgroupId, CgroupStats stats, long[] network, long[] external) {
        long[] now = {stats.cpuNanos(), stats.readBytes(), stats.writeBytes(), stats.readOps(), stats.writeOps(),
                network[0], network[1], network[2], network[3], external[0], external[1]};
        boolean restarted = cgroupId != this.cgroupId;
        long[] totals = new long[COUNT];
        for (int i = 0; i < COUNT; i++) {
            boolean reset = restarted || now[i] < raw[i];
            totals[i] = total[i] + (reset ? now[i] : now[i] - raw[i]);
        }
        long reportedPeak = stats.memoryPeakBytes() != null ? stats.memoryPeakBytes() : 0;
        long peak = Math.max(restarted ? 0 : memoryPeak, Math.max(reportedPeak, stats.memoryBytes()));
        return new LifetimeCounters(cgroupId, now, totals, peak, held);
    }
}
