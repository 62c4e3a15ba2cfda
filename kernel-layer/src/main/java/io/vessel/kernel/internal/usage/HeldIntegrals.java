package io.vessel.kernel.internal.usage;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;

/**
 * Lifetime time integrals of a VE's gauges — memory in use, disk space held, running time, addresses held — kept like
 * the kernel's counters: totals that only grow, stored with every sample, so that billing rates memory GiB-hours or
 * disk GiB-months as the difference of two stored totals (idempotent, and nothing lost to a {@code kill -9}) instead
 * of averaging rollups after the fact.
 *
 * <p>The gap rule, for time between two samples of a VE longer than {@code maxGap} (the panel was down, or the VE
 * stopped and started again): memory and running time count only {@code maxGap} of it — time nobody measured is not
 * billed as use —, while disk space and addresses, which a VE holds whether it runs or not, count all of it at the
 * smaller of the two samples' values. A destroyed VE's held resources are counted up to its destruction
 * ({@link #finish}).
 *
 * @param memoryKibSeconds  memory in use, KiB × seconds
 * @param diskKibSeconds    disk space held, KiB × seconds
 * @param runningMillis     milliseconds running
 * @param addressMillis     addresses held, addresses × milliseconds
 * @param lastAt            time of the last sample (null before the first)
 * @param lastDiskBytes     disk space held at the last sample
 * @param lastAddresses     addresses held at the last sample
 */
record HeldIntegrals(long memoryKibSeconds, long diskKibSeconds, long runningMillis, long addressMillis, Instant lastAt,
                     long lastDiskBytes, int lastAddresses) {

    static HeldIntegrals none() {
        return new HeldIntegrals(0, 0, 0, 0, null, 0, 0);
    }

    /**
     * The integrals after a sample of the running VE at {@code now}: the time since the last sample is counted at the
     * new values ({@code diskBytes} null: not measured, the last value stands).
     */
    HeldIntegrals advance(Instant now, long memoryBytes, Long diskBytes, int addresses, Duration maxGap) {
        long disk = diskBytes != null ? diskBytes : lastDiskBytes;
        if (lastAt == null) {
            return new HeldIntegrals(memoryKibSeconds, diskKibSeconds, runningMillis, addressMillis, now, disk, addresses);
        }
        long elapsedMs = Math.max(0, Duration.between(lastAt, now).toMillis());
        boolean gap = elapsedMs > maxGap.toMillis();
        long measuredMs = Math.min(elapsedMs, maxGap.toMillis());
        long heldDisk = gap ? Math.min(disk, lastDiskBytes) : disk;
        int heldAddresses = gap ? Math.min(addresses, lastAddresses) : addresses;
        return new HeldIntegrals(memoryKibSeconds + kibSeconds(memoryBytes, measuredMs), diskKibSeconds + kibSeconds(heldDisk, elapsedMs),
                runningMillis + measuredMs, addressMillis + heldAddresses * elapsedMs,
                now, disk, addresses);
    }

    /** The integrals at a VE's destruction: disk and addresses held since the last sample at the last values. */
    HeldIntegrals finish(Instant now) {
        if (lastAt == null) {
            return this;
        }
        long elapsedMs = Math.max(0, Duration.between(lastAt, now).toMillis());
        return new HeldIntegrals(memoryKibSeconds, diskKibSeconds + kibSeconds(lastDiskBytes, elapsedMs), runningMillis,
                addressMillis + lastAddresses * elapsedMs, now, lastDiskBytes, lastAddresses);
    }

    /** bytes × milliseconds in KiB-seconds, without overflow (a TiB held over a long gap exceeds a long in byte-ms). */
    static long kibSeconds(long bytes, long millis) {
        return BigInteger.valueOf(Math.max(0, bytes)).multiply(BigInteger.valueOf(millis)).add(BigInteger.valueOf(512_000))
                .divide(BigInteger.valueOf(1_024_000)).longValueExact();
    }
}
