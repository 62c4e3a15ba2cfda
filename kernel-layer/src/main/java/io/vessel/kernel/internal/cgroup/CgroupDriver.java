package io.vessel.kernel.internal.cgroup;

import io.vessel.kernel.api.VeLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes a VE's limits straight into its cgroup, on the host's cgroup version, so they change on a running VE
 * without forking the OCI runtime. runc creates the cgroups (at {@code cgroupsPath} under each hierarchy) and sets
 * the limits at start; this driver changes them afterwards and applies what {@code runc update} cannot (disk
 * bandwidth and operations caps).
 */
public interface CgroupDriver {

    /** The cgroup version this driver writes. */
    String version();

    /** Whether the host's I/O scheduler honours a relative disk weight (v2 io.weight, v1 blkio weight). */
    boolean ioWeightSupported();

    /**
     * Sets every limit of the cgroup {@code group} (a path like {@code /vessel/node/ve-101}). {@code device} is
     * the {@code major:minor} of the block device holding the VE's files, for disk caps; empty when unknown.
     */
    void apply(String group, VeLimits limits, Optional<String> device) throws IOException;

    /** Identifies this incarnation of the cgroup (its directory's inode): a restarted VE gets a new one. */
    long identity(String group) throws IOException;

    /** The cgroup's counters now; throws when the cgroup does not exist (the VE is not running). */
    CgroupStats read(String group) throws IOException;

    /**
     * Lets go of what {@link #read} keeps open for groups other than {@code groups} (the running VEs'): a removed
     * cgroup stays in the kernel while a descriptor of one of its files is open.
     */
    default void retainCounters(java.util.Set<String> groups) {
    }

    /** A group path ({@code /vessel/node/ve-101}) without its leading slashes, to resolve under a hierarchy's root. */
    static String relative(String group) {
        int start = 0;
        while (start < group.length() && group.charAt(start) == '/') {
            start++;
        }
        return group.substring(start);
    }

    /**
     * Freezes every process of the group (or thaws them), and answers once the kernel says they are (frozen
     * processes take no CPU and make no system calls: what they wrote is on disk as far as it will be); at most 10 s.
     */
    default void freeze(String group, boolean frozen) throws IOException {
        freeze(group, frozen, java.time.Duration.ofSeconds(10));
    }

    /** As {@link #freeze(String, boolean)}, waiting at most {@code limit}; {@link NotInTime} when that passed. */
    void freeze(String group, boolean frozen, java.time.Duration limit) throws IOException;

    /**
     * Freezes the group if the kernel manages within {@code limit}; otherwise thaws it again (a group left half-frozen
     * would hang the VE) and answers false. A task in an uninterruptible sleep — waiting on a slow disk — or a storm
     * of forks can hold a freeze up.
     */
    default boolean freezeWithin(String group, java.time.Duration limit) throws IOException {
        try {
            freeze(group, true, limit);
            return true;
        } catch (NotInTime e) {
            freeze(group, false);
            return false;
        }
    }

    /** How long {@link #killAll} waits for a group to freeze before it kills it unfrozen. */
    java.time.Duration KILL_FREEZE_LIMIT = java.time.Duration.ofSeconds(2);

    /** The kernel did not finish freezing or thawing a group in the time given. */
    final class NotInTime extends IOException {
        private static final long serialVersionUID = 1L;

        public NotInTime(String message) {
            super(message);
        }
    }

    /**
     * What systemd, as a VE's init, needs of the cgroup file system: a subtree of its own it may write (systemd
     * tracks every service in a cgroup), while the controllers that hold the VE's limits stay out of its reach.
     *
     * @param writableMount whether the VE's {@code /sys/fs/cgroup} is mounted read-write (v2: ownership decides what
     *                      it may write, see {@link #delegate}); false: read-only, with {@code mounts} over it
     * @param mounts        OCI mounts laid over {@code /sys/fs/cgroup} (v1: the VE's own {@code name=systemd} cgroup)
     */
    record Delegation(boolean writableMount, java.util.List<java.util.Map<String, Object>> mounts) {
    }

    /**
     * What a VE gets of cgroup {@code group} when its init is systemd or it runs containers of its own
     * ({@code nesting}: on v1 every controller's cgroup, so the VE may divide its limits among its containers).
     */
    Delegation delegationFor(String group, boolean nesting);

    /**
     * Hands the cgroup {@code group} to the VE's root ({@code uid}/{@code gid} on the host) the way systemd delegates
     * a subtree: the directory and the files that move processes and create children, never the files that hold the
     * VE's own limits, so it may divide them but never raise them. Called after the runtime made the cgroup and
     * before the VE's init runs.
     */
    void delegate(String group, int uid, int gid, boolean nesting) throws IOException;

    /**
     * The {@code cgroup.procs} files of every cgroup process {@code pid} is in, below the hierarchies' roots: writing
     * {@code 0} to each puts the writer where that process is (the VE's init: its limits and accounting).
     */
    List<Path> procsFilesOf(long pid) throws IOException;

    /**
     * Makes (or updates) cgroup {@code group} for work the panel does itself on the host (restic): at most
     * {@code cpus} cores (null: no cap) and, on {@code device} ({@code major:minor}, empty: none), at most the given
     * bytes per second (0: no cap). Returns the {@code cgroup.procs} files that put a process into it.
     */
    List<Path> workGroup(String group, java.math.BigDecimal cpus, Optional<String> device, long readBytesPerSecond,
                         long writeBytesPerSecond) throws IOException;

    /**
     * Kills every process in {@code group} and waits until none is left (frozen first where the host can, so none
     * forks away meanwhile); nothing when the group does not exist. Returns how many were killed.
     */
    int killAll(String group) throws IOException;

    /** Removes {@code group} where no process is left in it (a busy one stays); nothing when it does not exist. */
    void removeIfEmpty(String group);

    /** Removes a cgroup directory (rmdir; the kernel refuses one with processes or children, which then stays). */
    static void removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException busy) {
            // processes or children left: it stays until they are gone
        }
    }

    /** The pids in a {@code cgroup.procs} file; none when it is gone. */
    static List<Long> pids(Path procs) throws IOException {
        try {
            return Files.readAllLines(procs).stream().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        }
    }

    /** SIGKILLs the processes in {@code procs} until it is empty (10 s at most); how many were killed. */
    static int killUntilEmpty(Path procs) throws IOException {
        java.util.Set<Long> killed = new java.util.HashSet<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (List<Long> left = pids(procs); !left.isEmpty(); left = pids(procs)) {
            for (long pid : left) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                killed.add(pid);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("processes " + left + " of " + procs.getParent() + " did not end within 10 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        return killed.size();
    }

    /**
     * The driver for the host's layout under {@code root} (normally {@code /sys/fs/cgroup}): v2 when the root is
     * a unified hierarchy; v1 otherwise, also on "hybrid" hosts whose unified mount holds no controllers.
     */
    static CgroupDriver detect(Path root) {
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return new CgroupV2(root);
        }
        return new CgroupV1(root);
    }

    /** CFS period used with a CPU cap, in microseconds. */
    long CPU_PERIOD_US = 100_000;

    /** The quota per period for a cap in cores; -1: none. */
    static long quota(java.math.BigDecimal cpus) {
        if (cpus == null || cpus.signum() <= 0) {
            return -1;
        }
        return cpus.multiply(java.math.BigDecimal.valueOf(CPU_PERIOD_US)).longValue();
    }
}
