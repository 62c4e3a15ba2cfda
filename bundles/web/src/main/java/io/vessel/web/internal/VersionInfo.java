package io.vessel.web.internal;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import org.osgi.framework.BundleContext;

/** Version and start time of the panel as a whole (set by the launcher), falling back to this bundle's. */
final class VersionInfo {

    private VersionInfo() {
    }

    static String of(BundleContext context) {
        String version = context.getProperty("vessel.version");
        return version != null && !version.isBlank() ? version : context.getBundle().getVersion().toString();
    }

    static Instant startedAt() {
        return Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    }
}
