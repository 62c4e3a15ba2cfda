package io.vessel.kernel.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The command lines that put helpers in scopes, on any host (the scopes themselves, under a real systemd:
 * DebianPackageIT).
 */
class SystemdScopeTest {

    private static final List<String> LXCFS = List.of("/usr/bin/lxcfs", "--foreground", "/run/vessel/lxcfs");

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
        assertEquals(LXCFS, SystemdScope.around(Optional.empty(), "lxcfs", "LXCFS", LXCFS));
    }

    @Test
    void underSystemdACommandBecomesItsScope() {
        List<String> argv = SystemdScope.around(Optional.of(Path.of("/usr/bin/systemd-run")), "lxcfs", "Vessel: LXCFS", LXCFS);
        assertEquals("/usr/bin/systemd-run", argv.get(0));
        assertTrue(argv.containsAll(List.of("--scope", "--collect", "--slice=vessel.slice", "--description=Vessel: LXCFS")), argv.toString());
        assertTrue(argv.stream().anyMatch(a -> a.matches("--unit=vessel-lxcfs-[0-9a-f]{6}")), argv.toString());
        assertEquals(LXCFS, argv.subList(argv.indexOf("--") + 1, argv.size()), "the command unchanged, after the options");
    }
}
