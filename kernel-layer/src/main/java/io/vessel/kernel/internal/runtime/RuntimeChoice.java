package io.vessel.kernel.internal.runtime;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.HostCapabilities.CgroupLayout;
import io.vessel.kernel.api.HostCapabilities.OciRuntime;
import java.util.Optional;

/**
 * Which OCI runtime runs VEs. {@code auto} takes crun (faster, smaller) on pure cgroup v2 hosts and runc
 * everywhere else: crun refuses v1 and hybrid layouts ("cgroups in hybrid mode not supported").
 */
public final class RuntimeChoice {

    public static final String AUTO = "auto";

    private RuntimeChoice() {
    }

    /** The runtime binary name, or an exception whose message says what to install or configure. */
    public static String choose(String configured, HostCapabilities host) {
        String wanted = configured == null || configured.isBlank() ? AUTO : configured.strip();
        boolean v2 = host.cgroupLayout() == CgroupLayout.V2;
        if (wanted.equals(AUTO)) {
            if (v2 && find(host, "crun").isPresent()) {
                return "crun";
            }
            if (find(host, "runc").isPresent()) {
                return "runc";
            }
            throw new IllegalStateException("no OCI runtime found: install the Debian package runc" + (v2 ? " or crun" : ""));
        }
        if (find(host, wanted).isEmpty()) {
            throw new IllegalStateException("OCI runtime '" + wanted + "' not found (install the Debian package " + wanted + ")");
        }
        if (wanted.equals("crun") && !v2) {
            throw new IllegalStateException("crun cannot run VEs on this host's " + host.cgroupLayout()
                    + " cgroup layout (it needs cgroup v2 only); set kernel.runtime = auto or runc");
        }
        return wanted;
    }

    private static Optional<OciRuntime> find(HostCapabilities host, String name) {
        return host.runtimes().stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
