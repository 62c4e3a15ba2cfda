package io.vessel.billing.api;

/**
 * What a plan grants a VE (and, summed over a customer's subscriptions, the customer). Null: not limited by the plan.
 *
 * @param trafficGiB    monthly traffic allowance (egress), after which {@code trafficPolicy} applies
 * @param throttleMbit  the rate a VE is throttled to under {@link TrafficPolicy#THROTTLE}
 * @param ves           how many VEs the subscription may run
 * @param backupSlots   how many backups it may keep
 * @param backupGiB     how many GiB its backups may take in the backup repositories (stored, after deduplication and
 *                      compression)
 * @param backupsWhileSuspended whether its VE's scheduled backups go on while the VE is suspended (null: they do)
 */
public record PlanQuotas(Long memoryMiB, Long swapMiB, Long diskGiB, Long cpuWeight, Long cpuCapPercent, Long processes,
                         Long ioReadMBps, Long ioWriteMBps, Long bandwidthMbit, Long trafficGiB, TrafficPolicy trafficPolicy,
                         Long throttleMbit, Long ipv4, Long ipv6, Long ves, Long backupSlots, Long backupGiB,
                         Boolean backupsWhileSuspended) {

    public static final PlanQuotas UNLIMITED = new PlanQuotas(null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null);

    /** Quotas that say nothing about backup storage or suspended VEs' backups (as before 0.6). */
    public PlanQuotas(Long memoryMiB, Long swapMiB, Long diskGiB, Long cpuWeight, Long cpuCapPercent, Long processes, Long ioReadMBps,
                      Long ioWriteMBps, Long bandwidthMbit, Long trafficGiB, TrafficPolicy trafficPolicy, Long throttleMbit, Long ipv4,
                      Long ipv6, Long ves, Long backupSlots) {
        this(memoryMiB, swapMiB, diskGiB, cpuWeight, cpuCapPercent, processes, ioReadMBps, ioWriteMBps, bandwidthMbit, trafficGiB,
                trafficPolicy, throttleMbit, ipv4, ipv6, ves, backupSlots, null, null);
    }
}
