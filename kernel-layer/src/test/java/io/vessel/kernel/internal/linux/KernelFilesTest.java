package io.vessel.kernel.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kernel files read through kept descriptors, on a real cgroup of this host: a value written is what the next read
 * shows, a cgroup removed and made anew under the same path is read in its new incarnation, and a removed cgroup's
 * files are let go.
 */
class KernelFilesTest {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private final Path group = (Files.exists(ROOT.resolve("cgroup.controllers")) ? ROOT : ROOT.resolve("pids"))
            .resolve("vessel-kernel-files-test-" + ProcessHandle.current().pid());

    @AfterEach
    void removeGroup() throws Exception {
        Files.deleteIfExists(group);
    }

    @Test
    void eachReadIsTheKernelsTextNowAndANewIncarnationIsReadAsItself() throws Exception {
        Files.createDirectory(group);
        Path max = group.resolve("pids.max");
        try (KernelFiles files = new KernelFiles(16)) {
            assertNull(files.number(max), "max reads as no number");
            assertEquals(1, files.openFiles(), "kept open");
            Files.writeString(max, "50");
            assertEquals(50L, files.number(max), "the same descriptor reads what the kernel holds now");
            assertEquals(1, files.openFiles());

            Files.delete(group);
            assertNull(files.read(max), "a removed cgroup's file does not exist");
            assertEquals(0, files.openFiles(), "its stale descriptor let go");
            Files.createDirectory(group);
            Files.writeString(max, "7");
            assertEquals(7L, files.number(max));
            Files.delete(group); // with the descriptor open: rmdir works, the cgroup lingers until it is closed
            Files.createDirectory(group);
            assertNull(files.number(max), "the new incarnation (pids.max = max), not the old one's 7");

            files.retain(file -> !file.startsWith(group));
            assertEquals(0, files.openFiles());
            assertNull(files.read(group.resolve("no-such-file")));
            assertEquals(0, files.openFiles(), "nothing kept for a file that is not there");
        }
    }

    @Test
    void beyondItsCapacityFilesAreReadByPath() throws Exception {
        Files.createDirectory(group);
        try (KernelFiles files = new KernelFiles(1)) {
            assertNull(files.number(group.resolve("pids.max")));
            assertEquals(0L, files.number(group.resolve("pids.current")));
            assertEquals(1, files.openFiles());
        }
    }

    @Test
    void numbersAreTheFirstWord() {
        assertEquals(42L, KernelFiles.firstNumber(" 42 17\n"));
        assertNull(KernelFiles.firstNumber("max 100000\n"));
        assertNull(KernelFiles.firstNumber("\n"));
    }
}
