package io.vessel.kernel.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.HostCapabilities.CgroupLayout;
import io.vessel.kernel.api.NodeService;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code kernel} health check: what the host offers and whether VEs can run, and if not, why. */
final class KernelHealth implements HealthCheck {

    private final NodeService nodes;
    private final String unavailable;
    private final Map<String, Object> storage;
    private final java.util.function.Supplier<java.util.Optional<String>> quotaProblem;

    KernelHealth(NodeService nodes, String unavailable, Map<String, Object> storage,
                 java.util.function.Supplier<java.util.Optional<String>> quotaProblem) {
        this.nodes = nodes;
        this.unavailable = unavailable;
        this.storage = storage;
        this.quotaProblem = quotaProblem;
    }

    @Override
    public HealthReport check() {
        HostCapabilities caps = nodes.capabilities();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("nodeId", nodes.localNode().id().toString());
        details.put("kernel", caps.kernelRelease());
        details.put("cgroups", caps.cgroupLayout());
        details.put("runtimes", caps.runtimes());
        details.put("filesystems", caps.filesystems());
        details.put("userNamespaces", caps.userNamespaces());
        details.put("root", caps.root());
        details.put("storage", storage);
        if (unavailable != null) {
            return HealthReport.degraded("VEs cannot run on this node: " + unavailable, details);
        }
        if (caps.cgroupLayout() == CgroupLayout.NONE) {
            return HealthReport.degraded("no cgroup file system mounted: VE limits cannot be enforced", details);
        }
        java.util.Optional<String> quota = quotaProblem.get();
        if (quota.isPresent()) {
            return HealthReport.degraded(quota.get(), details);
        }
        return HealthReport.up("kernel " + caps.kernelRelease() + ", cgroups " + caps.cgroupLayout() + ", runtime "
                + caps.runtimes().get(0).name() + ", storage " + storage.getOrDefault("driver", "?"), details);
    }
}
