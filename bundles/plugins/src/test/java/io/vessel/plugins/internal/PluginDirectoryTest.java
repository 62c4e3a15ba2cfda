package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PluginDirectoryTest {

    @Test
    void theApiPackagesAPluginImportsAreListedWithTheirRanges() {
        String header = "io.vessel.api.security;version=\"[1.0,2)\",jakarta.ws.rs;version=\"[3.1,4)\","
                + "io.vessel.kernel.api.hook;version=\"[1.0,2)\",io.vessel.web.api,org.osgi.framework;version=\"[1.10,2)\"";
        assertEquals(List.of("io.vessel.api.security [1.0,2)", "io.vessel.kernel.api.hook [1.0,2)", "io.vessel.web.api"),
                PluginDirectory.vesselImports(header));
    }
}
