package io.vessel.kernel.internal.cgroup;

import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.internal.linux.KernelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** cgroup v1: one hierarchy per controller ({@code cpu}, {@code cpuset}, {@code memory}, {@code pids}, {@code blkio}). */
final class CgroupV1 implements CgroupDriver {

    private final Path root;
    /** The counters the accounting sweep reads every interval, through descriptors kept open. */
    private final KernelFiles counters = new KernelFiles();

    CgroupV1(Path root) {
        this.root = root;
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public boolean ioWeightSupported() {
        return weightFile("/").isPresent();
    }

    /** blkio.weight with CFQ (kernels before 5.0), blkio.bfq.weight where BFQ is the scheduler; none otherwise. */
    private Optional<Path> weightFile(String group) {
        Path blkio = dir("blkio", group);
        for (String name : new String[] {"blkio.weight", "blkio.bfq.weight"}) {
            if (Files.exists(blkio.resolve(name))) {
                return Optional.of(blkio.resolve(name));
            }
        }
        return Optional.empty();
    }

    @Override
    public void apply(String group, VeLimits limits, Optional<String> device) throws IOException {
        Path cpu = dir("cpu", group);
        CgroupV2.write(cpu, "cpu.shares", String.valueOf(shares(limits.cpuWeight())));
        CgroupV2.write(cpu, "cpu.cfs_period_us", String.valueOf(CPU_PERIOD_US));
        CgroupV2.write(cpu, "cpu.cfs_quota_us", String.valueOf(CgroupDriver.quota(limits.cpus())));
        Path cpuset = dir("cpuset", group);
        if (Files.isDirectory(cpuset)) {
            String cpus = limits.cpuset() == null || limits.cpuset().isEmpty() ? Files.readString(cpuset.getParent().resolve("cpuset.cpus")).strip()
                    : limits.cpuset();
            CgroupV2.write(cpuset, "cpuset.cpus", cpus);
        }
        applyMemory(dir("memory", group), limits.memoryBytes(), limits.memoryBytes() + limits.swapBytes());
        CgroupV2.write(dir("pids", group), "pids.max", String.valueOf(limits.processes()));
        Optional<Path> weight = weightFile(group);
        if (weight.isPresent()) {
            CgroupV2.write(weight.get().getParent(), weight.get().getFileName().toString(), String.valueOf(blkioWeight(limits.ioWeight())));
        }
        if (device.isPresent()) {
            Path blkio = dir("blkio", group);
            CgroupV2.write(blkio, "blkio.throttle.read_bps_device", device.get() + " " + cap(limits.readBytesPerSecond()));
            CgroupV2.write(blkio, "blkio.throttle.write_bps_device", device.get() + " " + cap(limits.writeBytesPerSecond()));
            CgroupV2.write(blkio, "blkio.throttle.read_iops_device", device.get() + " " + cap(limits.readIops()));
            CgroupV2.write(blkio, "blkio.throttle.write_iops_device", device.get() + " " + cap(limits.writeIops()));
        }
    }

    @Override
    public long identity(String group) throws IOException {
        return (Long) Files.getAttribute(dir("memory", group), "unix:ino");
    }

    @Override
    public CgroupStats read(String group) throws IOException {
        Path memory = dir("memory", group);
        Long usage = counters.number(memory.resolve("memory.usage_in_bytes"));
        if (usage == null) {
            throw new IOException("no memory cgroup at " + memory);
        }
        Long memsw = counters.number(memory.resolve("memory.memsw.usage_in_bytes"));
        Long cpu = counters.number(dir("cpuacct", group).resolve("cpuacct.usage"));
        Long processes = counters.number(dir("pids", group).resolve("pids.current"));
        Path blkio = dir("blkio", group);
        long[] bytes = blkio(counters.read(blkio.resolve("blkio.throttle.io_service_bytes_recursive")));
        long[] ops = blkio(counters.read(blkio.resolve("blkio.throttle.io_serviced_recursive")));
        return new CgroupStats(cpu == null ? 0 : cpu, usage, counters.number(memory.resolve("memory.max_usage_in_bytes")),
                memsw == null ? 0 : Math.max(0, memsw - usage), processes == null ? 0 : processes, bytes[0], bytes[1], ops[0], ops[1]);
    }

    @Override
    public void retainCounters(java.util.Set<String> groups) {
        java.util.Set<Path> kept = new java.util.HashSet<>();
        for (String group : groups) {
            for (String controller : java.util.List.of("memory", "cpuacct", "pids", "blkio")) {
                kept.add(dir(controller, group));
            }
        }
        counters.retain(file -> kept.contains(file.getParent()));
    }

    /** Read and write totals over all devices from a v1 blkio file's text ("7:0 Read 4096" lines); none when absent. */
    private static long[] blkio(String text) {
        long[] readWrite = new long[2];
        if (text == null) {
            return readWrite;
        }
        for (String line : text.split("\n")) {
            int first = line.indexOf(' ');
            int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
            if (second < 0 || line.indexOf(' ', second + 1) >= 0) {
                continue; // "Total 123" and anything that is not device, operation, count
            }
            String operation = line.substring(first + 1, second);
            if (operation.equals("Read")) {
                readWrite[0] += Long.parseLong(line.substring(second + 1).strip());
            } else if (operation.equals("Write")) {
                readWrite[1] += Long.parseLong(line.substring(second + 1).strip());
            }
        }
        return readWrite;
    }

    /**
     * memory.memsw.limit_in_bytes (RAM + swap) may never be below memory.limit_in_bytes, so the order of the two
     * writes depends on whether the limit goes up or down.
     */
    private static void applyMemory(Path memory, long ram, long ramAndSwap) throws IOException {
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        if (!Files.exists(memsw)) {
            CgroupV2.write(memory, "memory.limit_in_bytes", String.valueOf(ram));
            return;
        }
        long currentRam = Long.parseLong(Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
        if (ram > currentRam) {
            CgroupV2.write(memory, "memory.memsw.limit_in_bytes", String.valueOf(ramAndSwap));
            CgroupV2.write(memory, "memory.limit_in_bytes", String.valueOf(ram));
        } else {
            CgroupV2.write(memory, "memory.limit_in_bytes", String.valueOf(ram));
            CgroupV2.write(memory, "memory.memsw.limit_in_bytes", String.valueOf(ramAndSwap));
        }
    }

    /** v1 shares from a weight where 100 is normal (1024 shares). */
    static long shares(int weight) {
        return Math.max(2, Math.min(262_144, weight * 1024L / 100));
    }

    /** v1 blkio weight (10 to 1000, 500 normal) from a weight where 100 is normal. */
    static int blkioWeight(int weight) {
        return Math.max(10, Math.min(1000, weight * 5));
    }

    /** v1 removes a throttle rule when its rate is written as 0. */
    private static long cap(Long value) {
        return value == null || value <= 0 ? 0 : value;
    }

    /**
     * The {@code name=systemd} hierarchy has no controller: a VE's systemd may make any cgroups in its own part of it.
     * runc mounts every v1 hierarchy with one read-only flag, so the VE's own systemd cgroup is bound read-write
     * over its read-only one; the controllers stay read-only.
     */
    @Override
    public Delegation delegationFor(String group, boolean nesting) {
        if (nesting) {
            return new Delegation(true, java.util.List.of()); // every hierarchy read-write: ownership decides, see delegate
        }
        Path systemd = dir(SYSTEMD_HIERARCHY, group);
        if (!Files.isDirectory(root.resolve(SYSTEMD_HIERARCHY))) {
            return new Delegation(false, java.util.List.of());
        }
        java.util.Map<String, Object> bind = new java.util.LinkedHashMap<>();
        bind.put("destination", "/sys/fs/cgroup/" + SYSTEMD_HIERARCHY);
        bind.put("type", "bind");
        bind.put("source", systemd.toString());
        bind.put("options", java.util.List.of("rbind", "rw", "nosuid", "nodev", "noexec"));
        return new Delegation(false, java.util.List.of(bind));
    }

    /**
     * The {@code name=systemd} cgroup and its files (they hold no limit); with nesting, also each controller's cgroup
     * directory and the files that move processes into it, so the VE may make child cgroups for its containers. The
     * files of the VE's own cgroup that hold its limits stay root's, and v1 bounds every child by its parent.
     */
    @Override
    public void delegate(String group, int uid, int gid, boolean nesting) throws IOException {
        Path systemd = dir(SYSTEMD_HIERARCHY, group);
        if (Files.isDirectory(systemd)) {
            CgroupV2.chownTree(systemd, uid, gid, name -> !name.equals("notify_on_release"));
        }
        if (!nesting) {
            return;
        }
        try (var hierarchies = Files.list(root)) {
            for (Path hierarchy : hierarchies.toList()) {
                Path dir = hierarchy.resolve(group.replaceFirst("^/+", ""));
                String name = hierarchy.getFileName().toString();
                if (!name.equals(SYSTEMD_HIERARCHY) && !name.equals("unified") && Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    CgroupV2.chownTree(dir, uid, gid, MOVES_PROCESSES::contains);
                }
            }
        }
    }

    /** v1 files that put processes into a cgroup. */
    static final java.util.Set<String> MOVES_PROCESSES = java.util.Set.of("cgroup.procs", "tasks");

    static final String SYSTEMD_HIERARCHY = "systemd";

    @Override
    public void freeze(String group, boolean frozen, java.time.Duration limit) throws IOException {
        Path state = dir("freezer", group).resolve("freezer.state");
        Files.writeString(state, frozen ? "FROZEN" : "THAWED");
        // FREEZING until every task stopped; a task in an uninterruptible sleep may take a moment
        long deadline = System.nanoTime() + limit.toNanos();
        String want = frozen ? "FROZEN" : "THAWED";
        while (!Files.readString(state).strip().equals(want)) {
            if (System.nanoTime() > deadline) {
                throw new NotInTime("cgroup " + group + " did not become " + want.toLowerCase(java.util.Locale.ROOT) + " within "
                        + limit.toMillis() + " ms");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // a fraction of a millisecond: frozen time is what the snapshot costs
        }
    }

    @Override
    public java.util.List<Path> procsFilesOf(long pid) throws IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] parts = line.split(":", 3); // id:controllers:path
            if (parts.length < 3 || parts[2].equals("/")) {
                continue;
            }
            String hierarchy = parts[1].isEmpty() ? "unified" : parts[1].startsWith("name=") ? parts[1].substring(5) : parts[1];
            Path procs = dir(hierarchy, parts[2]).resolve("cgroup.procs");
            if (Files.exists(procs)) {
                files.add(procs);
            }
        }
        return files;
    }

    /** The v1 hierarchies the panel's own work is held in: CPU and disk caps, freezing and counting it for a kill. */
    private static final java.util.List<String> WORK_CONTROLLERS = java.util.List.of("cpu", "blkio", "pids", "freezer");

    @Override
    public java.util.List<Path> workGroup(String group, java.math.BigDecimal cpus, Optional<String> device, long readBytesPerSecond,
                                          long writeBytesPerSecond) throws IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        for (String controller : WORK_CONTROLLERS) {
            if (Files.isDirectory(root.resolve(controller))) {
                files.add(Files.createDirectories(dir(controller, group)).resolve("cgroup.procs"));
            }
        }
        Path cpu = dir("cpu", group);
        if (Files.isDirectory(cpu)) {
            CgroupV2.write(cpu, "cpu.cfs_period_us", String.valueOf(CPU_PERIOD_US));
            CgroupV2.write(cpu, "cpu.cfs_quota_us", String.valueOf(CgroupDriver.quota(cpus)));
        }
        Path blkio = dir("blkio", group);
        if (device.isPresent() && Files.isDirectory(blkio)) {
            CgroupV2.write(blkio, "blkio.throttle.read_bps_device", device.get() + " " + readBytesPerSecond);
            CgroupV2.write(blkio, "blkio.throttle.write_bps_device", device.get() + " " + writeBytesPerSecond);
        }
        return files;
    }

    @Override
    public void removeIfEmpty(String group) {
        for (String controller : WORK_CONTROLLERS) {
            CgroupDriver.removeQuietly(dir(controller, group));
        }
    }

    @Override
    public int killAll(String group) throws IOException {
        Path procs = dir("pids", group).resolve("cgroup.procs");
        if (!Files.exists(procs)) {
            procs = dir("cpu", group).resolve("cgroup.procs");
        }
        if (!Files.exists(procs)) {
            return 0;
        }
        // frozen first where it can be, so nothing forks away between reading the list and the kill; killed either way
        boolean frozen = Files.exists(dir("freezer", group).resolve("freezer.state")) && freezeWithin(group, KILL_FREEZE_LIMIT);
        try {
            return CgroupDriver.killUntilEmpty(procs); // SIGKILL reaches frozen tasks too
        } finally {
            if (frozen) {
                freeze(group, false);
            }
        }
    }

    private Path dir(String controller, String group) {
        return root.resolve(controller).resolve(CgroupDriver.relative(group));
    }
}
