package io.vessel.kernel.internal.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a template boots, told from its file system as Debian lays systemd out (and as a hostile archive might not). */
class InitSystemTest {

    @TempDir
    Path root;

    private void systemd(String library) throws Exception {
        Files.createDirectories(root.resolve("lib/systemd"));
        Files.createDirectories(root.resolve("sbin"));
        byte[] binary = ("\u007fELF...\0" + library + "\0libc.so.6\0").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(root.resolve("lib/systemd/systemd"), binary);
        Files.createSymbolicLink(root.resolve("sbin/init"), Path.of("/lib/systemd/systemd")); // absolute: resolved inside the root
    }

    @Test
    void debian12sSystemdIsFoundThroughSbinInitWithItsVersion() throws Exception {
        systemd("libsystemd-shared-252.so");
        InitSystem init = InitSystem.of(root, "/sbin/init");
        assertEquals(new InitSystem(InitSystem.Kind.SYSTEMD, 252), init);
        assertNull(init.refusedOnCgroupV1(), "252 boots on cgroup v1");
    }

    @Test
    void systemd256AndLaterAreRefusedOnCgroupV1WithTheReason() throws Exception {
        systemd("libsystemd-core-257.so");
        String refusal = InitSystem.of(root, "/sbin/init").refusedOnCgroupV1();
        assertTrue(refusal.contains("systemd 257") && refusal.contains("cgroup v2"), refusal);
    }

    @Test
    void vesselsInitAndOtherProgramsAreToldApart() throws Exception {
        assertEquals(InitSystem.VESSEL, InitSystem.of(root, VesselInit.PATH));
        Files.createDirectories(root.resolve("sbin"));
        Files.writeString(root.resolve("sbin/init"), "#!/bin/sh\n");
        assertEquals(InitSystem.OTHER, InitSystem.of(root, "/sbin/init"));
        assertEquals(InitSystem.OTHER, InitSystem.of(root, "/no/such/init"));
        Files.createSymbolicLink(root.resolve("sbin/loop"), Path.of("/sbin/loop"));
        assertEquals(InitSystem.OTHER, InitSystem.of(root, "/sbin/loop"), "a link loop is another init, not an error");
    }

    @Test
    void aLinkOutOfTheTemplateIsResolvedInsideIt() throws Exception {
        Files.createDirectories(root.resolve("sbin"));
        Files.createSymbolicLink(root.resolve("sbin/init"), Path.of("../../../../lib/systemd/systemd"));
        assertEquals(InitSystem.OTHER, InitSystem.of(root, "/sbin/init"), "the host's systemd is never looked at");
        assertEquals("systemd", InitSystem.parse("systemd", 252).label());
    }
}
