package io.vessel.billing.api;

/**
 * What a plan grants a VE (and, summed over a customer's subscriptions, the customer). Null: not limited by the plan.
 *
 * @param trafficGiB    monthly traffic allowance (egress), after which {@code trafficPolicy} applies
 * @param throttleMbit  the rate a VE is throttled to under {@link TrafficPolicy#THROTTLE}
 * @param ves           how many VEs the subscription may run
 * @param backupSlots   how many backups it may keep
 */
public record PlanQuotas(Long memoryMiB, Long swapMiB, Long diskGiB, Long cpuWeight, Long cpuCapPercent, Long processes,
                         Long ioReadMBps, Long ioWriteMBps, Long bandwidthMbit, Long trafficGiB, TrafficPolicy trafficPolicy,
                         Long throttleMbit, Long ipv4, Long ipv6, Long ves, Long backupSlots) {

    public static final PlanQuotas UNLIMITED = new PlanQuotas(null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null);
}
