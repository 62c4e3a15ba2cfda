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

    /** A panel without VEs of its own ({@code server.role = panel}): no host to judge, the nodes that run VEs to count. */
    private final boolean panelOnly;

    KernelHealth(NodeService nodes, String unavailable, Map<String, Object> storage,
                 java.util.function.Supplier<java.util.Optional<String>> quotaProblem) {
        this(nodes, unavailable, storage, quotaProblem, false);
    }

    private KernelHealth(NodeService nodes, String unavailable, Map<String, Object> storage,
                         java.util.function.Supplier<java.util.Optional<String>> quotaProblem, boolean panelOnly) {
        this.nodes = nodes;
        this.unavailable = unavailable;
        this.storage = storage;
        this.quotaProblem = quotaProblem;
        this.panelOnly = panelOnly;
    }

    static KernelHealth forPanel(NodeService nodes, String unavailable) {
        return new KernelHealth(nodes, unavailable, Map.of(), java.util.Optional::empty, true);
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
        if (panelOnly) {
            if (unavailable != null) {
                return HealthReport.degraded("VEs cannot be managed from this panel: " + unavailable, details);
            }
            long hosts = nodes.nodes().stream().filter(n -> n.hostsVes() && n.health() != io.vessel.kernel.api.NodeHealth.UNREACHABLE).count();
            return HealthReport.up("a panel without VEs of its own (server.role = panel); " + hosts + " node" + (hosts == 1 ? "" : "s")
                    + " in reach " + (hosts == 1 ? "runs" : "run") + " VEs", details);
        }
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
