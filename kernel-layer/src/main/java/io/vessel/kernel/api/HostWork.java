package io.vessel.kernel.api;

import java.math.BigDecimal;
import java.util.List;

/**
 * Heavy work the panel does itself on this node, such as a backup's restic, held in a cgroup of its own: capped
 * from its first instruction so tenants keep their share of the machine, and killed as a whole (children included)
 * when the panel starts again after a crash. @since 2.10
 */
public interface HostWork {

    /**
     * Caps of a work group: at most {@code cpus} cores (null: none); at most the given bytes per second read from and
     * written to the storage pool's disk (0: none). cgroup v1 does not hold back buffered writes, only direct ones and
     * reads; v2 holds back both.
     */
    record Caps(BigDecimal cpus, long readBytesPerSecond, long writeBytesPerSecond) {
    }

    /**
     * Makes (or updates) work group {@code name} (lower-case letters, digits and dashes) with {@code caps} and answers
     * the command prefix that runs a program in it: {@code prefix + [program, argv0, args...]}, where {@code argv0}
     * is the name the program is given.
     */
    List<String> commandIn(String name, Caps caps);

    /** Kills every process of work group {@code name} and waits until they are gone; answers how many there were. */
    int killAll(String name);
}
