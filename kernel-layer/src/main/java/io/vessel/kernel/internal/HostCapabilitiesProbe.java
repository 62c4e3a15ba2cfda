package io.vessel.kernel.internal;

import io.vessel.kernel.api.HostCapabilities;
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Probes the host as soon as the kernel layer starts, on its own thread, so the probe (which runs the OCI
 * runtimes to ask their versions) overlaps the database start instead of following it.
 */
@Component(service = HostCapabilitiesProbe.class, immediate = true)
public final class HostCapabilitiesProbe {

    private final CompletableFuture<HostCapabilities> capabilities;

    @Activate
    public HostCapabilitiesProbe() {
        capabilities = CompletableFuture.supplyAsync(() -> HostProbe.forThisHost().probe());
    }

    HostCapabilities capabilities() {
        return capabilities.join();
    }
}
