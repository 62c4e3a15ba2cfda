package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.HostCapabilities.CgroupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {

    /** Recorded from this project's build machines (kernel 6.18, systemd hybrid layout). */
    static final String HYBRID = """
            35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw
            38 35 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
            39 35 0:34 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
            """;

    /** A pure v2 host (Debian 12, Ubuntu 22.04 and later). */
    static final String UNIFIED = """
            30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            """;

    static final String LEGACY = """
            38 35 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory
            """;

    @Test
    void recognisesEachCgroupLayout() {
        assertEquals(CgroupLayout.HYBRID, HostProbe.cgroupLayout(HYBRID));
        assertEquals(CgroupLayout.V2, HostProbe.cgroupLayout(UNIFIED));
        assertEquals(CgroupLayout.V1, HostProbe.cgroupLayout(LEGACY));
        assertEquals(CgroupLayout.NONE, HostProbe.cgroupLayout(""));
    }

    @Test
    void readsRecordedHostWithoutRuntimes(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.createDirectories(root.resolve("proc/sys/user"));
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "6.18.0-test\n");
        Files.writeString(root.resolve("proc/sys/user/max_user_namespaces"), "0\n");
        Files.writeString(root.resolve("proc/self/mountinfo"), UNIFIED);
        Files.writeString(root.resolve("proc/self/status"), "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        Files.writeString(root.resolve("proc/filesystems"), "nodev\tsysfs\n\tbtrfs\nnodev\toverlay\n");

        HostCapabilities caps = new HostProbe(root, List.of(root.resolve("bin"))).probe();

        assertEquals("6.18.0-test", caps.kernelRelease());
        assertEquals(CgroupLayout.V2, caps.cgroupLayout());
        assertEquals(List.of("btrfs", "overlay"), caps.filesystems());
        assertTrue(caps.runtimes().isEmpty());
        assertEquals(false, caps.userNamespaces());
        assertEquals(false, caps.root());
    }

    @Test
    void nodeIdentityIsStableAcrossRestarts(@TempDir Path dataDir) {
        assertEquals(LocalNodeService.readOrCreateNodeId(dataDir), LocalNodeService.readOrCreateNodeId(dataDir));
    }
}
