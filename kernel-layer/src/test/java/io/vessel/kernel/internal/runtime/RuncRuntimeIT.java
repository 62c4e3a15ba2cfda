package io.vessel.kernel.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.internal.storage.BtrfsPool;
import io.vessel.kernel.internal.template.BusyboxTemplate;
import io.vessel.kernel.internal.template.IdShift;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unprivileged busybox VE run by runc from a btrfs snapshot: isolation basics and stop/start. */
class RuncRuntimeIT {

    @TempDir
    Path work;
    private BtrfsPool pool;
    private RuncRuntime runtime;
    private final int veId = 100 + (int) (Math.random() * 800);
    private final String container = "ve-" + veId;
    private final String cgroupParent = "vessel-test-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() throws Exception {
        // like the panel's data directory, the path to the pool must be passable for the VE's mapped root
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        pool = BtrfsPool.onImage(work.resolve("pool.img"), work.resolve("pool"), 512L * 1024 * 1024);
        BusyboxTemplate.build(pool.beginTemplate("busybox@" + BusyboxTemplate.VERSION), Path.of("/bin/busybox"));
        pool.sealTemplate("busybox@" + BusyboxTemplate.VERSION);
        runtime = new RuncRuntime("runc", work.resolve("runc"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (runtime.state(container).isPresent()) {
            runtime.delete(container, true);
        }
        pool.deletePrivateArea(veId);
        pool.unmount();
        for (String controller : List.of("memory", "pids", "cpu", "freezer", "devices", "blkio", "cpuset")) {
            Path parent = Path.of("/sys/fs/cgroup", controller, cgroupParent);
            assertFalse(Files.exists(parent.resolve(container)), "cgroup " + controller + " of the VE is gone");
            Files.deleteIfExists(parent);
        }
    }

    @Test
    void unprivilegedVeRunsItsOwnInitAndKeepsItsFilesAcrossRestart() throws Exception {
        Path rootfs = pool.createPrivateArea(veId, "busybox@" + BusyboxTemplate.VERSION);
        int base = OciBundle.idBase(veId);
        IdShift.shift(rootfs, base);
        Map<String, Object> config = OciBundle.config(new OciBundle.Spec(veId, "web" + veId, rootfs.toString(), false, base,
                "/" + cgroupParent + "/" + container,
                Map.of("memory", Map.of("limit", 256L * 1024 * 1024), "pids", Map.of("limit", 256)), "/sbin/init"));
        Path bundle = work.resolve("bundles").resolve(container);

        runtime.run(container, bundle, config);
        RuncRuntime.State state = runtime.state(container).orElseThrow();
        assertTrue(state.running(), "running: " + state);

        assertEquals("web" + veId, exec("hostname").stdout().strip());
        String ps = exec("ps", "-o", "pid,args").stdout();
        List<String> processes = ps.lines().skip(1).map(String::strip).toList();
        assertTrue(processes.get(0).startsWith("1 ") && processes.get(0).contains("/sbin/init"), "PID 1 is the VE's init:\n" + ps);
        assertTrue(processes.size() <= 4, "only the VE's own processes are visible:\n" + ps);
        assertEquals("0", exec("id", "-u").stdout().strip(), "root inside the VE");
        String hostStatus = Files.readString(Path.of("/proc/" + state.pid() + "/status"));
        String uidLine = hostStatus.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertEquals(String.valueOf(base), uidLine.split("\\s+")[1], "the host sees an unprivileged uid: " + uidLine);

        assertEquals(0, exec("sh", "-c", "echo kept > /root/note").exitCode());
        stop();
        assertTrue(Files.exists(rootfs.resolve("root/note")), "the write landed in the private area");

        runtime.run(container, bundle, config);
        assertEquals("kept", exec("cat", "/root/note").stdout().strip(), "files survive a restart");
        RuncRuntime.ExecResult slow = runtime.exec(container, List.of("sleep", "30"), Map.of(), null, Duration.ofMillis(500));
        assertTrue(slow.timedOut(), "exec honours its deadline");
        stop();
    }

    private RuncRuntime.ExecResult exec(String... argv) throws Exception {
        RuncRuntime.ExecResult r = runtime.exec(container, List.of(argv), Map.of(), null, Duration.ofSeconds(20));
        assertEquals(0, r.exitCode(), String.join(" ", argv) + ": " + r);
        return r;
    }

    private void stop() throws Exception {
        runtime.kill(container, "TERM", false);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<RuncRuntime.State> s = runtime.state(container);
            if (s.isEmpty() || s.get().status().equals("stopped")) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals("stopped", runtime.state(container).orElseThrow().status(), "init exits on SIGTERM");
        runtime.delete(container, false);
        assertTrue(runtime.state(container).isEmpty());
    }
}
