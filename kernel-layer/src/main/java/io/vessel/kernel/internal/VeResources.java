package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.internal.cgroup.CgroupDriver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VE limits as an OCI {@code linux.resources} object, which runc applies at start on cgroup v1 and v2 alike.
 * Later changes go through {@link CgroupDriver}.
 */
final class VeResources {

    private VeResources() {
    }

    /**
     * @param device          {@code major:minor} of the pool's block device, for disk caps
     * @param ioWeightApplies whether the host's scheduler takes a disk weight (runc fails the start otherwise)
     */
    static Map<String, Object> of(VeLimits limits, Optional<String> device, boolean ioWeightApplies) {
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("memory", Map.of("limit", limits.memoryBytes(), "swap", limits.memoryBytes() + limits.swapBytes()));
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("shares", shares(limits.cpuWeight()));
        cpu.put("period", CgroupDriver.CPU_PERIOD_US);
        cpu.put("quota", CgroupDriver.quota(limits.cpus()));
        if (limits.cpuset() != null && !limits.cpuset().isEmpty()) {
            cpu.put("cpus", limits.cpuset());
        }
        resources.put("cpu", cpu);
        resources.put("pids", Map.of("limit", limits.processes()));
        Map<String, Object> blockIo = new LinkedHashMap<>();
        if (ioWeightApplies) {
            blockIo.put("weight", Math.max(10, Math.min(1000, limits.ioWeight() * 5)));
        }
        if (device.isPresent()) {
            String[] mm = device.get().split(":");
            throttle(blockIo, "throttleReadBpsDevice", mm, limits.readBytesPerSecond());
            throttle(blockIo, "throttleWriteBpsDevice", mm, limits.writeBytesPerSecond());
            throttle(blockIo, "throttleReadIOPSDevice", mm, limits.readIops());
            throttle(blockIo, "throttleWriteIOPSDevice", mm, limits.writeIops());
        }
        if (!blockIo.isEmpty()) {
            resources.put("blockIO", blockIo);
        }
        return resources;
    }

    private static void throttle(Map<String, Object> blockIo, String key, String[] device, Long rate) {
        if (rate != null && rate > 0) {
            List<Map<String, Object>> rules = new ArrayList<>();
            rules.add(Map.of("major", Long.parseLong(device[0]), "minor", Long.parseLong(device[1]), "rate", rate));
            blockIo.put(key, rules);
        }
    }

    /** cgroup v1 shares from a weight where 100 is normal (1024 shares); runc converts them for v2. */
    static long shares(int weight) {
        return Math.max(2, Math.min(262_144, weight * 1024L / 100));
    }
}
