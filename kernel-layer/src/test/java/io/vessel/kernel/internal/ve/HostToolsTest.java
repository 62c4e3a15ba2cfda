package io.vessel.kernel.internal.ve;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HostToolsTest {

    @Test
    void anInputThatStallsAfterTheToolEndedIsReportedInsteadOfWaitedForForEver() throws Exception {
        IOException stalled = HostTools.fedWithin(new CompletableFuture<>(), Duration.ofMillis(50));
        assertTrue(stalled.getMessage().contains("did not end within"), stalled.getMessage());
        assertNull(HostTools.fedWithin(CompletableFuture.completedFuture(null), Duration.ofMillis(50)), "an input read to its end");
    }

    @Test
    void aDynamicallyLinkedToolIsNeverTakenForAStaticOne() {
        assertTrue(!HostTools.isStatic(Path.of("/bin/sh")), "/bin/sh loads libc, which a VE could replace");
    }
}
