package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeLimits;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** VE limits as an OCI {@code linux.resources} object; runc applies it on cgroup v1 and v2 alike. */
final class VeResources {

    static final long CPU_PERIOD_US = 100_000;

    private VeResources() {
    }

    static Map<String, Object> of(VeLimits limits) {
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("memory", Map.of("limit", limits.memoryBytes(), "swap", limits.memoryBytes() + limits.swapBytes()));
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("shares", shares(limits.cpuWeight()));
        cpu.put("period", CPU_PERIOD_US);
        cpu.put("quota", quota(limits.cpus()));
        resources.put("cpu", cpu);
        resources.put("pids", Map.of("limit", limits.processes()));
        return resources;
    }

    /** cgroup v1 shares from a weight where 100 is normal (1024 shares). */
    static long shares(int weight) {
        return Math.max(2, Math.min(262_144, weight * 1024L / 100));
    }

    /** CFS quota for a cap in cores; -1 means none. */
    static long quota(BigDecimal cpus) {
        if (cpus == null || cpus.signum() <= 0) {
            return -1;
        }
        return cpus.multiply(BigDecimal.valueOf(CPU_PERIOD_US)).longValue();
    }
}
