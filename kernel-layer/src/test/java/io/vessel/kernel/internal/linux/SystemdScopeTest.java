package io.vessel.kernel.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command lines that put helpers in scopes (the scopes themselves: DebianPackageIT, under a real systemd). */
class SystemdScopeTest {

    @Test
    void aUnitNameIsReadableUniqueAndValid() {
        String a = SystemdScope.unitName("ve-101-monitor");
        String b = SystemdScope.unitName("ve-101-monitor");
        assertTrue(a.matches("vessel-ve-101-monitor-[0-9a-f]{6}"), a);
        assertNotEquals(a, b, "a helper still ending never blocks the next one's name");
        assertTrue(SystemdScope.unitName("dns-br 0/x\\y").matches("vessel-dns-br_0_x_y-[0-9a-f]{6}"), "only what a unit name may hold");
    }

    @Test
    void withoutSystemdACommandStartsAsItIs() {
        assumeFalse(Files.isDirectory(SystemdScope.BOOTED_MARKER), "this host runs systemd");
        List<String> command = List.of("/usr/bin/lxcfs", "--foreground", "/run/vessel/lxcfs");
        assertEquals(command, SystemdScope.around("lxcfs", "LXCFS", command));
    }

    @Test
    void underSystemdACommandBecomesItsScope() {
        assumeTrue(SystemdScope.systemdRun().isPresent(), "this host does not run systemd");
        List<String> argv = SystemdScope.around("lxcfs", "Vessel: LXCFS", List.of("/usr/bin/lxcfs", "/run/vessel/lxcfs"));
        assertTrue(argv.get(0).endsWith("systemd-run"), argv.toString());
        assertTrue(argv.containsAll(List.of("--scope", "--collect", "--slice=vessel.slice", "--description=Vessel: LXCFS")), argv.toString());
        assertEquals(List.of("--", "/usr/bin/lxcfs", "/run/vessel/lxcfs"), argv.subList(argv.size() - 3, argv.size()), "the command unchanged");
    }
}
