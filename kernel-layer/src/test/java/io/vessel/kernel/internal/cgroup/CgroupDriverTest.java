package io.vessel.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.VeLimits;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits a VE gets, written into cgroup file layouts recorded from real hosts: v1 (this project's hybrid
 * machines) and v2 (current distributions). Same VE limits, each version's own files and units.
 */
class CgroupDriverTest {

    private static final String GROUP = "/vessel/node1/ve-101";
    private static final VeLimits LIMITS = new VeLimits(200, new BigDecimal("1.5"), "", 256L << 20, 64L << 20, 100, 1L << 30,
            100, 1L << 20, 0L, 0L, 500L, 0L, 0L);

    @TempDir
    Path root;

    @Test
    void v1LimitsLandInEachControllersHierarchy() throws Exception {
        v1Layout("9223372036854771712");
        Files.writeString(root.resolve("cpuset/vessel/node1/cpuset.cpus"), "0-1\n");
        CgroupDriver driver = CgroupDriver.detect(root);
        assertInstanceOf(CgroupV1.class, driver, "no cgroup.controllers at the root: v1 (hybrid hosts too)");
        assertFalse(driver.ioWeightSupported(), "this host's v1 blkio has no weight file (no CFQ/BFQ)");

        driver.apply(GROUP, LIMITS, Optional.of("7:0"));
        assertEquals("2048", read("cpu", "cpu.shares"));
        assertEquals("100000", read("cpu", "cpu.cfs_period_us"));
        assertEquals("150000", read("cpu", "cpu.cfs_quota_us"));
        assertEquals("0-1", read("cpuset", "cpuset.cpus"), "no cpuset: all the parent's CPUs");
        assertEquals(String.valueOf(256L << 20), read("memory", "memory.limit_in_bytes"));
        assertEquals(String.valueOf(320L << 20), read("memory", "memory.memsw.limit_in_bytes"), "v1 counts RAM and swap together");
        assertEquals("100", read("pids", "pids.max"));
        assertEquals("7:0 1048576", read("blkio", "blkio.throttle.read_bps_device"));
        assertEquals("7:0 0", read("blkio", "blkio.throttle.write_bps_device"), "0 removes a v1 throttle rule");
        assertEquals("7:0 500", read("blkio", "blkio.throttle.write_iops_device"));

        driver.apply(GROUP, new VeLimits(100, null, "1", 512L << 20, 0L, 100, 1L << 30, 100, 0L, 0L, 0L, 0L, 0L, 0L), Optional.of("7:0"));
        assertEquals("-1", read("cpu", "cpu.cfs_quota_us"), "no cap");
        assertEquals("1", read("cpuset", "cpuset.cpus"));
        assertEquals(String.valueOf(512L << 20), read("memory", "memory.memsw.limit_in_bytes"));
    }

    @Test
    void v1WeightGoesToBfqWhereThatIsTheScheduler() throws Exception {
        Path blkio = Files.createDirectories(root.resolve("blkio").resolve(GROUP.substring(1)));
        Files.writeString(root.resolve("blkio/blkio.bfq.weight"), "100");
        Files.writeString(blkio.resolve("blkio.bfq.weight"), "100");
        for (String controller : List.of("cpu", "memory", "pids")) {
            Files.createDirectories(root.resolve(controller).resolve(GROUP.substring(1)));
        }
        Files.writeString(root.resolve("memory").resolve(GROUP.substring(1)).resolve("memory.limit_in_bytes"), "1");
        CgroupDriver driver = CgroupDriver.detect(root);
        assertTrue(driver.ioWeightSupported());
        driver.apply(GROUP, LIMITS.over(LIMITS), Optional.empty());
        assertEquals("500", Files.readString(blkio.resolve("blkio.bfq.weight")), "weight 100 is v1's normal 500");
    }

    @Test
    void v2LimitsLandInOneUnifiedDirectory() throws Exception {
        Path dir = v2Layout("cpuset cpu io memory hugetlb pids rdma misc");
        CgroupDriver driver = CgroupDriver.detect(root);
        assertInstanceOf(CgroupV2.class, driver);
        assertTrue(driver.ioWeightSupported());

        driver.apply(GROUP, LIMITS, Optional.of("259:0"));
        assertEquals("200", Files.readString(dir.resolve("cpu.weight")), "v2's weight scale is ours: 100 is normal");
        assertEquals("150000 100000", Files.readString(dir.resolve("cpu.max")));
        assertEquals("", Files.readString(dir.resolve("cpuset.cpus")), "empty: the parent's CPUs");
        assertEquals(String.valueOf(256L << 20), Files.readString(dir.resolve("memory.max")));
        assertEquals(String.valueOf(64L << 20), Files.readString(dir.resolve("memory.swap.max")), "v2 limits swap on its own");
        assertEquals("100", Files.readString(dir.resolve("pids.max")));
        assertEquals("default 100", Files.readString(dir.resolve("io.weight")));
        assertEquals("259:0 rbps=1048576 wbps=max riops=max wiops=500", Files.readString(dir.resolve("io.max")));

        driver.apply(GROUP, new VeLimits(100, null, "0,2", 512L << 20, 0L, 100, 1L << 30, 50, 0L, 0L, 0L, 0L, 0L, 0L), Optional.of("259:0"));
        assertEquals("max 100000", Files.readString(dir.resolve("cpu.max")));
        assertEquals("0,2", Files.readString(dir.resolve("cpuset.cpus")));
        assertEquals("259:0 rbps=max wbps=max riops=max wiops=max", Files.readString(dir.resolve("io.max")), "caps removed");
    }

    @Test
    void v1CountersReadWithTheSameMeaningAsV2() throws Exception {
        write("cpuacct", "cpuacct.usage", "5000000000\n");
        write("memory", "memory.usage_in_bytes", "104857600\n");
        write("memory", "memory.max_usage_in_bytes", "209715200\n");
        write("memory", "memory.memsw.usage_in_bytes", "115343360\n");
        write("pids", "pids.current", "7\n");
        write("blkio", "blkio.throttle.io_service_bytes_recursive", "7:0 Read 4096\n7:0 Write 8192\n7:0 Sync 0\n7:0 Async 12288\n"
                + "7:0 Discard 0\n7:0 Total 12288\n8:0 Read 1\n8:0 Write 1\nTotal 12290\n");
        write("blkio", "blkio.throttle.io_serviced_recursive", "7:0 Read 3\n7:0 Write 4\n7:0 Total 7\nTotal 7\n");
        CgroupStats stats = CgroupDriver.detect(root).read(GROUP);
        assertEquals(new CgroupStats(5_000_000_000L, 100L << 20, 200L << 20, 10L << 20, 7, 4097, 8193, 3, 4), stats);
    }

    @Test
    void v2CountersRead() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Path dir = Files.createDirectories(root.resolve(GROUP.substring(1)));
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\nnr_periods 0\n");
        Files.writeString(dir.resolve("memory.current"), "104857600\n");
        Files.writeString(dir.resolve("memory.swap.current"), "1048576\n");
        Files.writeString(dir.resolve("pids.current"), "7\n");
        Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=3 wios=4 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=1 rios=1 wios=1 dbytes=0 dios=0\n");
        CgroupStats stats = CgroupDriver.detect(root).read(GROUP);
        assertEquals(new CgroupStats(5_000_000_000L, 100L << 20, null, 1L << 20, 7, 4097, 8193, 4, 5), stats,
                "memory.peak is missing before kernel 5.19: null");
        Files.writeString(dir.resolve("memory.peak"), "209715200\n");
        assertEquals(200L << 20, CgroupDriver.detect(root).read(GROUP).memoryPeakBytes());
    }

    @Test
    void v1SystemdGetsItsOwnNameSystemdCgroupWritableAndTheControllersStayReadOnly() throws Exception {
        Path systemd = Files.createDirectories(root.resolve("systemd").resolve(GROUP.substring(1)));
        for (String file : List.of("cgroup.procs", "tasks", "cgroup.clone_children", "notify_on_release")) {
            Files.writeString(systemd.resolve(file), "");
        }
        Path memory = Files.createDirectories(root.resolve("memory").resolve(GROUP.substring(1)));
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "1");
        CgroupDriver driver = CgroupDriver.detect(root);

        CgroupDriver.Delegation delegation = driver.delegationFor(GROUP, false);
        assertFalse(delegation.writableMount(), "runc mounts every v1 hierarchy read-only");
        assertEquals(1, delegation.mounts().size(), delegation.toString());
        assertEquals("/sys/fs/cgroup/systemd", delegation.mounts().get(0).get("destination"));
        assertEquals(systemd.toString(), delegation.mounts().get(0).get("source"));
        assertTrue(((List<?>) delegation.mounts().get(0).get("options")).contains("rw"));

        driver.delegate(GROUP, 6_619_136, 6_619_136, false);
        assertEquals(6_619_136, Files.getAttribute(systemd, "unix:uid"));
        assertEquals(6_619_136, Files.getAttribute(systemd.resolve("cgroup.procs"), "unix:uid"));
        assertEquals(6_619_136, Files.getAttribute(systemd.resolve("tasks"), "unix:gid"));
        assertEquals(0, Files.getAttribute(memory, "unix:uid"), "no controller's cgroup is handed over");
        assertEquals(0, Files.getAttribute(memory.resolve("memory.limit_in_bytes"), "unix:uid"));
    }

    @Test
    void v1NestingHandsOverEachControllersCgroupButNotItsLimits() throws Exception {
        v1Layout("");
        Path memory = root.resolve("memory").resolve(GROUP.substring(1));
        Files.writeString(memory.resolve("cgroup.procs"), "");
        Files.writeString(memory.resolve("tasks"), "");
        CgroupDriver driver = CgroupDriver.detect(root);
        assertTrue(driver.delegationFor(GROUP, true).writableMount(), "every hierarchy read-write; ownership decides");

        driver.delegate(GROUP, 6_619_136, 6_619_136, true);
        assertEquals(6_619_136, Files.getAttribute(memory, "unix:uid"), "child cgroups may be made for the VE's containers");
        assertEquals(6_619_136, Files.getAttribute(memory.resolve("cgroup.procs"), "unix:uid"));
        assertEquals(6_619_136, Files.getAttribute(memory.resolve("tasks"), "unix:uid"));
        for (String limit : List.of("memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "cpu/cpu.cfs_quota_us",
                "cpuset/cpuset.cpus")) {
            String[] parts = limit.split("/");
            assertEquals(0, Files.getAttribute(root.resolve(parts[0]).resolve(GROUP.substring(1)).resolve(parts[1]), "unix:uid"),
                    limit + " stays root's: the VE cannot raise its own limits");
        }
    }

    @Test
    void v1WithoutANameSystemdHierarchyAddsNoMount() {
        assertEquals(List.of(), CgroupDriver.detect(root).delegationFor(GROUP, false).mounts());
    }

    @Test
    void v2SystemdGetsTheDelegatableFilesOfItsCgroupButNoLimitFile() throws Exception {
        Path dir = v2Layout("cpuset cpu io memory pids");
        for (String file : List.of("cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "memory.oom.group", "memory.reclaim")) {
            Files.writeString(dir.resolve(file), "");
        }
        Path delegateList = root.resolve("delegate");
        Files.writeString(delegateList, "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\nmemory.reclaim\n");
        CgroupV2 driver = ((CgroupV2) CgroupDriver.detect(root)).withDelegateList(delegateList);

        assertTrue(driver.delegationFor(GROUP, false).writableMount(), "v2: the VE's own cgroup, read-write, ownership decides");
        assertEquals(List.of(), driver.delegationFor(GROUP, false).mounts());
        driver.delegate(GROUP, 6_619_136, 6_619_136, false);
        for (String file : List.of("cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "memory.oom.group", "memory.reclaim")) {
            assertEquals(6_619_136, Files.getAttribute(dir.resolve(file), "unix:uid"), file);
        }
        assertEquals(6_619_136, Files.getAttribute(dir, "unix:uid"), "the directory: children may be made");
        for (String limit : List.of("memory.max", "memory.swap.max", "cpu.max", "pids.max", "io.max", "cpuset.cpus")) {
            assertEquals(0, Files.getAttribute(dir.resolve(limit), "unix:uid"), limit + " stays root's: the VE cannot raise its limits");
        }
    }

    /** The recorded v1 files of the VE's group in every hierarchy; the memory limits read {@code limits}. */
    private void v1Layout(String limits) throws IOException {
        for (String line : recorded("v1-layout.txt")) {
            String[] parts = line.split("/", 2);
            Path dir = Files.createDirectories(root.resolve(parts[0]).resolve(GROUP.substring(1)));
            Files.writeString(dir.resolve(parts[1]), parts[1].contains("limit_in_bytes") ? limits : "");
        }
    }

    /** A v2 root offering {@code controllers} and the recorded files of the VE's group, which is returned. */
    private Path v2Layout(String controllers) throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
        Path dir = Files.createDirectories(root.resolve(GROUP.substring(1)));
        for (String file : recorded("v2-layout.txt")) {
            Files.writeString(dir.resolve(file), "");
        }
        return dir;
    }

    private void write(String controller, String file, String content) throws IOException {
        Path dir = Files.createDirectories(root.resolve(controller).resolve(GROUP.substring(1)));
        Files.writeString(dir.resolve(file), content);
    }

    @Test
    void cpuListsAreReadInTheKernelsFormat() throws IOException {
        assertEquals("{0, 1, 2, 3, 6}", CpuSet.parse("0-3,6").toString());
        assertNull(CpuSet.parse("3-1"));
        assertNull(CpuSet.parse("all"));
        Files.writeString(root.resolve("online"), "0-1\n");
        assertEquals("{0, 1}", CpuSet.online(root).toString());
    }

    private String read(String controller, String file) throws IOException {
        return Files.readString(root.resolve(controller).resolve(GROUP.substring(1)).resolve(file));
    }

    private static List<String> recorded(String name) throws IOException {
        try (InputStream in = CgroupDriverTest.class.getResourceAsStream("/cgroup/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        }
    }
}
