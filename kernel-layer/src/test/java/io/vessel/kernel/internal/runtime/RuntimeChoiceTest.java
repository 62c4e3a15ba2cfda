package io.vessel.kernel.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.HostCapabilities.CgroupLayout;
import io.vessel.kernel.api.HostCapabilities.OciRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeChoiceTest {

    private static HostCapabilities host(CgroupLayout layout, String... runtimes) {
        return new HostCapabilities("6.18", layout, List.of(runtimes).stream().map(r -> new OciRuntime(r, "/usr/bin/" + r, r + " 1.0")).toList(),
                List.of("btrfs"), true, true);
    }

    @Test
    void autoTakesCrunOnPureV2AndRuncElsewhere() {
        assertEquals("crun", RuntimeChoice.choose("auto", host(CgroupLayout.V2, "runc", "crun")));
        assertEquals("runc", RuntimeChoice.choose("auto", host(CgroupLayout.HYBRID, "runc", "crun")), "this project's machines");
        assertEquals("runc", RuntimeChoice.choose("", host(CgroupLayout.V1, "runc")));
        assertEquals("runc", RuntimeChoice.choose("auto", host(CgroupLayout.V2, "runc")));
    }

    @Test
    void anImpossibleChoiceSaysWhatToDo() {
        IllegalStateException hybrid = assertThrows(IllegalStateException.class, () -> RuntimeChoice.choose("crun", host(CgroupLayout.HYBRID, "runc", "crun")));
        assertTrue(hybrid.getMessage().contains("crun cannot run VEs on this host's HYBRID cgroup layout"), hybrid.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> RuntimeChoice.choose("auto", host(CgroupLayout.HYBRID)));
        assertTrue(missing.getMessage().contains("install the Debian package runc"), missing.getMessage());
        assertEquals("crun", RuntimeChoice.choose("crun", host(CgroupLayout.V2, "crun")));
    }
}
