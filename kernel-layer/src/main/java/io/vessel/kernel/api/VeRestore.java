package io.vessel.kernel.api;

import java.nio.file.Path;

/**
 * A restore of a VE under way: a fresh tree being written, not yet the VE's.
 *
 * @param name  the restore's name, for {@link VeService#finishRestore} and {@link VeService#abandonRestore}
 * @param path  where to write the tree, as the VE sees its files (owners 0…65535 as inside the VE)
 * @param quotaBytes the VE's disk quota, which the tree is held to (0: none)
 * @since 2.9
 */
public record VeRestore(int veId, String name, Path path, long quotaBytes) {
}
