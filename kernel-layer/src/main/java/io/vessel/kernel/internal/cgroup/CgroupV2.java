package io.vessel.kernel.internal.cgroup;

import io.vessel.kernel.api.VeLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** cgroup v2 (unified hierarchy): one directory per VE with every controller's files. */
final class CgroupV2 implements CgroupDriver {

    private final Path root;

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

    private static String max(Long value) {
        return value == null || value <= 0 ? "max" : String.valueOf(value);
    }

    private Path dir(String group) {
        return root.resolve(group.replaceFirst("^/+", ""));
    }

    static void write(Path dir, String file, String value) throws IOException {
        try {
            Files.writeString(dir.resolve(file), value);
        } catch (IOException e) {
            throw new IOException("cannot set " + file + " to '" + value + "' in " + dir + ": " + e.getMessage(), e);
        }
    }
}
