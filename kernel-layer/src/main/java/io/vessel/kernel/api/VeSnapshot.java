package io.vessel.kernel.api;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A read-only copy of a VE's file system as of one instant, held for a backup until it is released.
 *
 * @param name    the snapshot's name, for {@link VeService#releaseSnapshot}
 * @param path    where it can be read, as root on the host (owners are the host's shifted ids)
 * @param frozen  how long the VE's processes were frozen for it (zero when it was not running, or was suspended)
 * @since 2.8
 */
public record VeSnapshot(int veId, String name, Path path, Instant takenAt, VeState stateAtSnapshot, Duration frozen) {
}
