package io.vessel.kernel.api;

import java.util.List;

/**
 * What the host kernel and user space offer for running VEs, detected at start.
 *
 * @param kernelRelease     {@code uname -r}
 * @param cgroupLayout      how cgroups are mounted
 * @param runtimes          OCI runtimes found on the host, preferred first
 * @param filesystems       file systems of interest the kernel supports ({@code btrfs}, {@code overlay})
 * @param userNamespaces    whether unprivileged VEs (user namespaces) are possible
 * @param root              whether the panel runs as root, which creating VEs needs
 */
public record HostCapabilities(String kernelRelease, CgroupLayout cgroupLayout, List<OciRuntime> runtimes,
                               List<String> filesystems, boolean userNamespaces, boolean root) {

    public HostCapabilities {
        runtimes = List.copyOf(runtimes);
        filesystems = List.copyOf(filesystems);
    }

    /** How the cgroup hierarchy is mounted. */
    public enum CgroupLayout {
        /** Only cgroup v1 controllers. */
        V1,
        /** v1 controllers plus a v2 mount (systemd "hybrid"). */
        HYBRID,
        /** Unified cgroup v2 only. */
        V2,
        /** No usable cgroup mount. */
        NONE
    }

    /** An OCI runtime binary and its version line. */
    public record OciRuntime(String name, String path, String version) {
    }
}
