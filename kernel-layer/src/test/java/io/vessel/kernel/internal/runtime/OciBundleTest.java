package io.vessel.kernel.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OCI configuration of a VE for each way it boots: plain, systemd on v1 and v2, nesting, and the statfs helper. */
class OciBundleTest {

    private static final Map<String, Object> LXCFS_MEMINFO = Map.of("destination", "/proc/meminfo", "type", "bind",
            "source", "/run/vessel/lxcfs/proc/meminfo", "options", List.of("rbind", "ro", "nosuid", "nodev", "noexec"));

    private static Map<String, Object> config(boolean privileged, OciBundle.Boot boot, String listener) {
        return OciBundle.config(new OciBundle.Spec(101, "web", "/rootfs", privileged, OciBundle.idBase(101), "/vessel/n/ve-101",
                Map.of(), "/sbin/init", List.of(LXCFS_MEMINFO), listener, boot));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> mounts(Map<String, Object> config) {
        return (List<Map<String, Object>>) config.get("mounts");
    }

    private static Map<String, Object> mount(Map<String, Object> config, String destination) {
        return mounts(config).stream().filter(m -> m.get("destination").equals(destination)).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static List<String> bounding(Map<String, Object> config) {
        return (List<String>) ((Map<String, Object>) ((Map<String, Object>) config.get("process")).get("capabilities")).get("bounding");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> linux(Map<String, Object> config) {
        return (Map<String, Object>) config.get("linux");
    }

    @Test
    void aPlainVeHasReadOnlyCgroupsNoSysAdminAndItsViewMountsLast() {
        Map<String, Object> config = config(false, OciBundle.Boot.PLAIN, null);
        assertTrue(((List<?>) mount(config, "/sys/fs/cgroup").get("options")).contains("ro"));
        assertEquals(null, mount(config, "/run"), "no tmpfs /run for Vessel's init");
        assertFalse(bounding(config).contains("CAP_SYS_ADMIN"));
        assertEquals(LXCFS_MEMINFO, mounts(config).get(mounts(config).size() - 1), "over /proc, after it");
        assertTrue(((List<?>) linux(config).get("readonlyPaths")).contains("/proc/sys"));
        assertFalse(((Map<?, ?>) linux(config).get("seccomp")).containsKey("listenerPath"), "no helper: the kernel answers statfs");
    }

    @Test
    void systemdGetsTmpfsRunAndOnV2AWritableCgroupMount() {
        Map<String, Object> v1 = config(false, new OciBundle.Boot(true, false, false), null);
        assertEquals("tmpfs", mount(v1, "/run").get("type"));
        assertEquals("tmpfs", mount(v1, "/run/lock").get("type"));
        assertTrue(((List<?>) mount(v1, "/sys/fs/cgroup").get("options")).contains("ro"), "v1: read-only, the systemd cgroup bound over it");
        Map<String, Object> v2 = config(false, new OciBundle.Boot(true, true, false), null);
        assertTrue(((List<?>) mount(v2, "/sys/fs/cgroup").get("options")).contains("rw"), "v2: ownership decides what it may write");
        assertFalse(bounding(v2).contains("CAP_SYS_ADMIN"));
    }

    @Test
    void nestingAddsSysAdminInsideTheUserNamespaceAndLeavesProcSysToTheKernel() {
        Map<String, Object> config = config(false, new OciBundle.Boot(true, true, true), null);
        assertTrue(bounding(config).containsAll(List.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE")));
        assertFalse(((List<?>) linux(config).get("readonlyPaths")).contains("/proc/sys"));
        assertTrue(((List<?>) linux(config).get("namespaces")).contains(Map.of("type", "user")), "only ever in the VE's user namespace");
        assertThrows(IllegalArgumentException.class, () -> config(true, new OciBundle.Boot(false, false, true), null),
                "a privileged VE's capabilities would be the host's");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theStatfsHelperGetsStatfsAndFstatfsThroughItsListener() {
        Map<String, Object> seccomp = (Map<String, Object>) linux(config(false, OciBundle.Boot.PLAIN, "/run/vessel/n/statfs/101.sock")).get("seccomp");
        assertEquals("/run/vessel/n/statfs/101.sock", seccomp.get("listenerPath"));
        List<Map<String, Object>> rules = (List<Map<String, Object>>) seccomp.get("syscalls");
        assertTrue(rules.contains(Map.of("names", List.of("statfs", "fstatfs"), "action", "SCMP_ACT_NOTIFY")), rules.toString());
        assertEquals("SCMP_ACT_ALLOW", seccomp.get("defaultAction"));
    }
}
