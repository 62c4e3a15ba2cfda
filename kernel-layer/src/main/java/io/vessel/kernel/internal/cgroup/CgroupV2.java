package io.vessel.kernel.internal.cgroup;

import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.internal.linux.KernelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** cgroup v2 (unified hierarchy): one directory per VE with every controller's files. */
final class CgroupV2 implements CgroupDriver {

    private final Path root;
    /** The counters the accounting sweep reads every interval, through descriptors kept open. */
    private final KernelFiles counters = new KernelFiles();

    CgroupV2(Path root) {
        this.root = root;
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public boolean ioWeightSupported() {
        try {
            return java.util.List.of(Files.readString(root.resolve("cgroup.controllers")).strip().split("\\s+")).contains("io");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void apply(String group, VeLimits limits, Optional<String> device) throws IOException {
        Path dir = dir(group);
        write(dir, "cpu.weight", String.valueOf(limits.cpuWeight()));
        long quota = CgroupDriver.quota(limits.cpus());
        write(dir, "cpu.max", (quota < 0 ? "max" : String.valueOf(quota)) + " " + CPU_PERIOD_US);
        if (Files.exists(dir.resolve("cpuset.cpus"))) {
            write(dir, "cpuset.cpus", limits.cpuset() == null ? "" : limits.cpuset());
        }
        // memory.max first: lowering it below current use reclaims, and swap.max is independent of it on v2
        write(dir, "memory.max", String.valueOf(limits.memoryBytes()));
        if (Files.exists(dir.resolve("memory.swap.max"))) {
            write(dir, "memory.swap.max", String.valueOf(limits.swapBytes()));
        }
        write(dir, "pids.max", String.valueOf(limits.processes()));
        if (Files.exists(dir.resolve("io.weight"))) {
            write(dir, "io.weight", "default " + limits.ioWeight());
        }
        if (device.isPresent() && Files.exists(dir.resolve("io.max"))) {
            write(dir, "io.max", device.get() + " rbps=" + max(limits.readBytesPerSecond()) + " wbps=" + max(limits.writeBytesPerSecond())
                    + " riops=" + max(limits.readIops()) + " wiops=" + max(limits.writeIops()));
        }
    }

    @Override
    public long identity(String group) throws IOException {
        return (Long) Files.getAttribute(dir(group), "unix:ino");
    }

    @Override
    public CgroupStats read(String group) throws IOException {
        Path dir = dir(group);
        Long memory = counters.number(dir.resolve("memory.current"));
        if (memory == null) {
            throw new IOException("no cgroup at " + dir);
        }
        long cpuNanos = 0;
        String cpu = counters.read(dir.resolve("cpu.stat"));
        for (String line : cpu == null ? new String[0] : cpu.split("\n")) {
            if (line.startsWith("usage_usec ")) {
                cpuNanos = Long.parseLong(line.substring(11).strip()) * 1000;
            }
        }
        long[] io = new long[4];
        String ioStat = counters.read(dir.resolve("io.stat"));
        for (String line : ioStat == null ? new String[0] : ioStat.split("\n")) {
            for (String field : line.trim().split(" ")) {
                int eq = field.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                int slot = switch (field.substring(0, eq)) {
                    case "rbytes" -> 0;
                    case "wbytes" -> 1;
                    case "rios" -> 2;
                    case "wios" -> 3;
                    default -> -1;
                };
                if (slot >= 0) {
                    io[slot] += Long.parseLong(field.substring(eq + 1));
                }
            }
        }
        Long swap = counters.number(dir.resolve("memory.swap.current"));
        Long processes = counters.number(dir.resolve("pids.current"));
        return new CgroupStats(cpuNanos, memory, counters.number(dir.resolve("memory.peak")), swap == null ? 0 : swap,
                processes == null ? 0 : processes, io[0], io[1], io[2], io[3]);
    }

    @Override
    public void retainCounters(java.util.Set<String> groups) {
        java.util.Set<Path> kept = new java.util.HashSet<>();
        groups.forEach(group -> kept.add(dir(group)));
        counters.retain(file -> kept.contains(file.getParent()));
    }

    /** The VE's {@code /sys/fs/cgroup} is its own cgroup (cgroup namespace), read-write; what it may write is decided by ownership. */
    @Override
    public Delegation delegationFor(String group, boolean nesting) {
        return new Delegation(true, java.util.List.of());
    }

    /**
     * The directory and the files the kernel names as delegatable ({@code /sys/kernel/cgroup/delegate}: moving
     * processes, creating children, enabling controllers for them); the VE's own limit files ({@code memory.max},
     * {@code cpu.max}, …) stay root's, so it may divide its limits among its services but never raise them.
     */
    @Override
    public void delegate(String group, int uid, int gid, boolean nesting) throws IOException {
        java.util.Set<String> delegatable = new java.util.HashSet<>(DEFAULT_DELEGATE);
        if (Files.isReadable(delegateList)) {
            delegatable.addAll(Files.readAllLines(delegateList).stream().map(String::strip).filter(l -> !l.isEmpty()).toList());
        }
        chownTree(dir(group), uid, gid, delegatable::contains);
    }

    /** What cgroup v2 lets a delegate write when the kernel does not list it. */
    static final java.util.List<String> DEFAULT_DELEGATE = java.util.List.of("cgroup.procs", "cgroup.threads", "cgroup.subtree_control");

    private Path delegateList = Path.of("/sys/kernel/cgroup/delegate");

    /** For tests of recorded layouts. */
    CgroupV2 withDelegateList(Path file) {
        this.delegateList = file;
        return this;
    }

    /** Gives {@code dir} and those of its files {@code files} accepts to uid/gid, without following links. */
    static void chownTree(Path dir, int uid, int gid, java.util.function.Predicate<String> files) throws IOException {
        chown(dir, uid, gid);
        try (var entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                if (Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) && files.test(entry.getFileName().toString())) {
                    chown(entry, uid, gid);
                }
            }
        }
    }

    private static void chown(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static String max(Long value) {
        return value == null || value <= 0 ? "max" : String.valueOf(value);
    }

    @Override
    public void freeze(String group, boolean frozen, java.time.Duration limit) throws IOException {
        Path dir = dir(group);
        Files.writeString(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
        long deadline = System.nanoTime() + limit.toNanos();
        String want = "frozen " + (frozen ? "1" : "0");
        while (Files.readAllLines(dir.resolve("cgroup.events")).stream().noneMatch(want::equals)) {
            if (System.nanoTime() > deadline) {
                throw new NotInTime("cgroup " + group + " did not become " + (frozen ? "frozen" : "thawed") + " within " + limit.toMillis() + " ms");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // a fraction of a millisecond: frozen time is what the snapshot costs
        }
    }

    @Override
    public java.util.List<Path> procsFilesOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (line.startsWith("0::") && !line.equals("0::/")) {
                return java.util.List.of(dir(line.substring(3)).resolve("cgroup.procs"));
            }
        }
        return java.util.List.of();
    }

    @Override
    public java.util.List<Path> workGroup(String group, java.math.BigDecimal cpus, Optional<String> device, long readBytesPerSecond,
                                          long writeBytesPerSecond) throws IOException {
        Path dir = Files.createDirectories(dir(group));
        // the parent hands the controllers down (runc did so for the VEs beside it; the first work group may come first)
        String wanted = Files.readString(dir.getParent().resolve("cgroup.controllers")).strip();
        for (String controller : new String[] {"cpu", "io", "pids"}) {
            if (java.util.List.of(wanted.split("\\s+")).contains(controller) && !Files.exists(dir.resolve(controller + ".max"))) {
                write(dir.getParent(), "cgroup.subtree_control", "+" + controller);
            }
        }
        long quota = CgroupDriver.quota(cpus);
        if (Files.exists(dir.resolve("cpu.max"))) {
            write(dir, "cpu.max", (quota < 0 ? "max" : String.valueOf(quota)) + " " + CPU_PERIOD_US);
        }
        if (device.isPresent() && Files.exists(dir.resolve("io.max"))) {
            write(dir, "io.max", device.get() + " rbps=" + (readBytesPerSecond > 0 ? readBytesPerSecond : "max")
                    + " wbps=" + (writeBytesPerSecond > 0 ? writeBytesPerSecond : "max"));
        }
        return java.util.List.of(dir.resolve("cgroup.procs"));
    }

    @Override
    public void removeIfEmpty(String group) {
        CgroupDriver.removeQuietly(dir(group));
    }

    @Override
    public int killAll(String group) throws IOException {
        Path dir = dir(group);
        Path procs = dir.resolve("cgroup.procs");
        if (!Files.exists(procs)) {
            return 0;
        }
        int count = CgroupDriver.pids(procs).size();
        if (Files.exists(dir.resolve("cgroup.kill"))) {
            Files.writeString(dir.resolve("cgroup.kill"), "1"); // the kernel kills the whole group at once (5.14 on)
        } else {
            boolean frozen = freezeWithin(group, KILL_FREEZE_LIMIT);
            try {
                count = CgroupDriver.killUntilEmpty(procs);
            } finally {
                if (frozen) {
                    freeze(group, false);
                }
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!CgroupDriver.pids(procs).isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        return count;
    }

    private Path dir(String group) {
        return root.resolve(CgroupDriver.relative(group));
    }

    static void write(Path dir, String file, String value) throws IOException {
        try {
            Files.writeString(dir.resolve(file), value);
        } catch (IOException e) {
            throw new IOException("cannot set " + file + " to '" + value + "' in " + dir + ": " + e.getMessage(), e);
        }
    }
}
