package io.vessel.kernel.internal.ve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.internal.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a tenant with root in its VE plants where the panel reads and writes, on a real file system. */
class VeRootFilesTest {

    @TempDir
    Path dir;
    Path root;
    Path hostFile;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("ve"));
        Files.createDirectories(root.resolve("etc"));
        hostFile = Files.writeString(dir.resolve("host-secret"), "host data\n");
    }

    private VeRootFiles files() throws IOException {
        return VeRootFiles.open(root, 0);
    }

    @Test
    void aLinkToAHostFileIsReplacedNotFollowed() throws IOException {
        Files.createSymbolicLink(root.resolve("etc/hostname"), hostFile);
        Files.createSymbolicLink(root.resolve("etc/shadow"), Path.of("../../host-secret"));
        try (VeRootFiles files = files()) {
            // read: the link is resolved inside the VE's root, where no such file exists
            assertEquals(Optional.empty(), files.readText("/etc/hostname", 1024));
            assertEquals(Optional.empty(), files.readText("/etc/shadow", 1024), ".. stops at the VE's root");
            files.writeText("/etc/hostname", "web1\n", VeRootFiles.Attributes.rootsKeeping(0644));
        }
        assertEquals("host data\n", Files.readString(hostFile));
        assertFalse(Files.isSymbolicLink(root.resolve("etc/hostname")));
        assertEquals("web1\n", Files.readString(root.resolve("etc/hostname")));
    }

    @Test
    void aLinkedDirectoryStaysInsideTheRoot() throws IOException {
        Files.delete(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc"), dir); // absolute: the host's directory
        try (VeRootFiles files = files()) {
            assertThrows(VeRootFiles.Refused.class, () -> files.writeText("/etc/host-secret", "pwned\n", VeRootFiles.Attributes.roots(0644)));
            assertEquals(Optional.empty(), files.readText("/etc/host-secret", 1024));
        }
        assertEquals("host data\n", Files.readString(hostFile));
    }

    @Test
    void aFifoNeitherBlocksAReadNorAWrite() throws IOException {
        LibC.INSTANCE.mkfifo(root.resolve("etc/hostname").toString(), 0644);
        LibC.INSTANCE.mkfifo(root.resolve("etc/shadow").toString(), 0644);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try (VeRootFiles files = files()) {
                VeRootFiles.Refused refused = assertThrows(VeRootFiles.Refused.class, () -> files.readText("/etc/shadow", 1024));
                assertTrue(refused.getMessage().contains("FIFO"), refused.getMessage());
                files.writeText("/etc/hostname", "web1\n", VeRootFiles.Attributes.rootsKeeping(0644));
            }
        });
        assertTrue(Files.isRegularFile(root.resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void keepsOwnerAndModeOfTheFileItReplaces() throws IOException {
        Path shadow = Files.writeString(root.resolve("etc/shadow"), "root:*:1:0:99999:7:::\n");
        Files.setAttribute(shadow, "unix:gid", 42);
        Files.setPosixFilePermissions(shadow, PosixFilePermissions.fromString("rw-r-----"));
        try (VeRootFiles files = VeRootFiles.open(root, 0)) {
            String text = files.readText("/etc/shadow", 1024).orElseThrow();
            files.writeText("/etc/shadow", text.replace("*", "$6$x$y"), VeRootFiles.Attributes.rootsKeeping(0600));
        }
        assertEquals("root:$6$x$y:1:0:99999:7:::\n", Files.readString(shadow));
        assertEquals(42, Files.getAttribute(shadow, "unix:gid"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shadow)));
    }

    @Test
    void newFilesAndDirectoriesBelongToTheVesRoot() throws IOException {
        int base = 65536 * 7;
        try (VeRootFiles files = VeRootFiles.open(root, base)) {
            files.mkdirs("/root/.ssh", 0, 0, 0700);
            files.writeText("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA\n", VeRootFiles.Attributes.roots(0600));
        }
        Path keys = root.resolve("root/.ssh/authorized_keys");
        assertEquals(base, Files.getAttribute(keys, "unix:uid"));
        assertEquals(base, Files.getAttribute(root.resolve("root/.ssh"), "unix:uid"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("root/.ssh"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
    }

    @Test
    void refusesWhatTheTenantPutInTheWay() throws IOException {
        Files.createDirectories(root.resolve("etc/hostname"));
        Files.writeString(root.resolve("root"), "a file where a directory belongs");
        Files.writeString(root.resolve("etc/big"), "x".repeat(5000));
        try (VeRootFiles files = files()) {
            assertThrows(VeRootFiles.Refused.class, () -> files.writeText("/etc/hostname", "x\n", VeRootFiles.Attributes.roots(0644)));
            assertThrows(VeRootFiles.Refused.class, () -> files.mkdirs("/root/.ssh", 0, 0, 0700));
            assertThrows(VeRootFiles.Refused.class, () -> files.readText("/etc/big", 4096));
            assertThrows(VeRootFiles.Refused.class, () -> files.readText("/etc/hostname", 4096));
        }
        try (var left = Files.list(root.resolve("etc"))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("vessel")), "no temporary file is left behind");
        }
    }
}
