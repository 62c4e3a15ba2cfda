package io.vessel.billing.api;

import java.util.Set;

/**
 * The meters the panel rates from the kernel layer's accounting. Plugins will add meters of their own (an extension
 * point of this package, to come); a plan may only charge for meters that exist.
 */
public final class Meters {

    /** CPU time, in seconds. */
    public static final String CPU_SECONDS = "cpu.seconds";
    /** Memory in use over time, in GiB-hours (time-weighted). */
    public static final String MEMORY_GIB_HOURS = "memory.gib-hours";
    /** Disk space held over time, in GiB-months (time-weighted; a month is {@value #HOURS_PER_MONTH} hours). */
    public static final String DISK_GIB_MONTHS = "disk.gib-months";
    /** Traffic the VE sends to anything but the other VEs on its bridge (uplink, internet, host), in GiB. */
    public static final String EGRESS_GIB = "network.egress.gib";
    /** Traffic the VE receives from anything but the other VEs on its bridge, in GiB. */
    public static final String INGRESS_GIB = "network.ingress.gib";
    /** IP addresses held, in address-hours. */
    public static final String IP_HOURS = "ip.hours";
    /** Hours a VE ran. */
    public static final String VE_HOURS = "ve.hours";

    /** The length of the month of the GiB-month, in hours (a year's average month, as cloud providers count it). */
    public static final long HOURS_PER_MONTH = 730;

    public static final Set<String> BUILT_IN = Set.of(CPU_SECONDS, MEMORY_GIB_HOURS, DISK_GIB_MONTHS, EGRESS_GIB, INGRESS_GIB, IP_HOURS, VE_HOURS);

    private Meters() {
    }
}
