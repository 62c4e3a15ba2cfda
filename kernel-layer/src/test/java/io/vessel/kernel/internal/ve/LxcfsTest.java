package io.vessel.kernel.internal.ve;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A panel stops only the LXCFS processes of its own mount namespace: a process of another namespace (here a real
 * {@code unshare --mount}) names the same path but another mount.
 */
class LxcfsTest {

    @Test
    void aProcessOfAnotherMountNamespaceIsNotOneOfOurs() throws Exception {
        assertTrue(Lxcfs.inThisMountNamespace(ProcessHandle.current().pid()));
        Process sameNamespace = new ProcessBuilder("sleep", "30").start();
        Process otherNamespace = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sleep", "30").start();
        try {
            awaitExec(otherNamespace, "sleep");
            assertTrue(Lxcfs.inThisMountNamespace(sameNamespace.pid()));
            assertFalse(Lxcfs.inThisMountNamespace(otherNamespace.pid()), "unshare --mount made another namespace");
        } finally {
            sameNamespace.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            otherNamespace.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** unshare makes the namespace, then execs the command: until then the process is still in ours. */
    private static void awaitExec(Process process, String command) throws Exception {
        java.nio.file.Path cmdline = java.nio.file.Path.of("/proc", Long.toString(process.pid()), "cmdline");
        for (int i = 0; i < 100 && !new String(java.nio.file.Files.readAllBytes(cmdline)).startsWith(command); i++) {
            Thread.sleep(20);
        }
    }
}
