package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.internal.template.VeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShadowFileTest {

    @Test
    void replacesOnlyRootsHash() {
        String before = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";
        String after = ShadowFile.withRootPassword(before, "$6$salt$hash");
        assertTrue(after.startsWith("root:$6$salt$hash:"), after);
        assertTrue(after.contains("\nnobody:*:19000:0:99999:7:::\n"), after);
        assertEquals(9, after.lines().findFirst().orElseThrow().split(":", -1).length);
    }

    @Test
    void addsRootWhenMissing() {
        assertTrue(ShadowFile.withRootPassword("daemon:*:1:0:99999:7:::\n", "$6$x$y").startsWith("root:$6$x$y:"));
    }

    @Test
    void refusesToWriteThroughALinkPlantedByTheTenant(@TempDir Path dir) throws IOException {
        Path ve = Files.createDirectories(dir.resolve("ve"));
        Path hostFile = Files.writeString(dir.resolve("host-passwd"), "host data\n");
        Files.createDirectories(ve.resolve("etc"));
        Files.createSymbolicLink(ve.resolve("etc/hostname"), hostFile);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> VeFiles.writeInStoppedVe(ve, "etc/hostname", "pwned\n"));
        assertEquals("host data\n", Files.readString(hostFile), "the host file is untouched");

        Path ve2 = Files.createDirectories(dir.resolve("ve2"));
        Files.createSymbolicLink(ve2.resolve("etc"), dir);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> VeFiles.writeInStoppedVe(ve2, "etc/host-passwd", "pwned\n"));
        assertEquals("host data\n", Files.readString(hostFile), "a linked directory is refused too");
    }
}
