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
    private io.vessel.kernel.internal.ve.VeRootMounts roots;
    private final String cgroupParent = "vessel-test-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() throws Exception {
        // the runtime reaches the VE's root through the node's runtime root (the pool is root's alone), as the panel does;
        // here under the test's own directory, which must then be passable for the VE's mapped root
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        roots = io.vessel.kernel.internal.ve.VeRootMounts.under(work.resolve("run"), "test-node");
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
        roots.release(veId);
        pool.deletePrivateArea(veId);
        pool.unmount();
        List<Path> hierarchies;
        try (var dirs = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies = dirs.toList(); // every v1 controller, systemd's named hierarchy and the unified one
        }
        for (Path hierarchy : hierarchies) {
            String controller = hierarchy.getFileName().toString();
            Path parent = hierarchy.resolve(cgroupParent);
            assertFalse(Files.exists(parent.resolve(container)), "cgroup " + controller + " of the VE is gone");
            Files.deleteIfExists(parent);
        }
    }

    /**
     * A consistent snapshot of a busy VE for a backup: its processes frozen only around the snapshot (nothing they
     * write lands meanwhile), thawed at once, and the snapshot a read-only copy as of that instant.
     */
    @Test
    void aBusyVeIsFrozenOnlyForTheInstantOfItsSnapshot() throws Exception {
        Path rootfs = pool.createPrivateArea(veId, "busybox@" + BusyboxTemplate.VERSION);
        // the VE's init itself writes a counter as fast as it can (and ends on SIGTERM like an init)
        Path writer = rootfs.resolve("writer");
        Files.writeString(writer, "#!/bin/sh\ntrap 'exit 0' TERM\ni=0\nwhile :; do i=$((i+1)); echo $i > /root/counter; done\n");
        Files.setPosixFilePermissions(writer, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        int base = OciBundle.idBase(veId);
        IdShift.shift(rootfs, base);
        Path mounted = roots.prepare(veId, rootfs, base, base);
        String group = "/" + cgroupParent + "/" + container;
        runtime.run(container, work.resolve("bundles").resolve(container), OciBundle.config(new OciBundle.Spec(veId, "busy" + veId, mounted.toString(),
                false, base, group, Map.of("pids", Map.of("limit", 64)), "/writer")));
        Path counter = rootfs.resolve("root/counter");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(counter) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        io.vessel.kernel.internal.cgroup.CgroupDriver cgroups = io.vessel.kernel.internal.cgroup.CgroupDriver.detect(Path.of("/sys/fs/cgroup"));

        cgroups.freeze(group, true);
        try {
            String frozen = Files.readString(counter);
            Thread.sleep(300);
            assertEquals(frozen, Files.readString(counter), "nothing is written while frozen");
            pool.flush();
            Path snapshot = pool.snapshotPrivateArea(veId, "backup-1");
            assertEquals(frozen, Files.readString(snapshot.resolve("root/counter")), "the snapshot is the VE as of the frozen instant");
            assertTrue(io.vessel.kernel.internal.linux.Btrfs.isReadOnly(snapshot), "read-only");
        } finally {
            cgroups.freeze(group, false);
        }
        // running again once thawed: the counter moves (within seconds, however loaded the machine). The writer
        // truncates the file before each number, so a read may find it empty: only numbers are compared
        // (the highest number seen is kept: one read is enough to prove the writer moved on)
        long thawed = value(number(counter));
        long highest = thawed;
        long thawDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (highest <= thawed && System.nanoTime() < thawDeadline) {
            Thread.sleep(50);
            highest = Math.max(highest, value(number(counter)));
        }
        assertTrue(highest > thawed, "running again once thawed: " + thawed + " then " + highest);
        assertEquals(List.of("backup-1"), pool.snapshots());
        pool.deleteSnapshot("backup-1");
        assertEquals(List.of(), pool.snapshots(), "released");
        stop();
    }

    @Test
    void unprivilegedVeRunsItsOwnInitAndKeepsItsFilesAcrossRestart() throws Exception {
        Path rootfs = pool.createPrivateArea(veId, "busybox@" + BusyboxTemplate.VERSION);
        int base = OciBundle.idBase(veId);
        IdShift.shift(rootfs, base);
        Path mounted = roots.prepare(veId, rootfs, base, base);
        Map<String, Object> config = OciBundle.config(new OciBundle.Spec(veId, "web" + veId, mounted.toString(), false, base,
                "/" + cgroupParent + "/" + container,
                Map.of("memory", Map.of("limit", 256L * 1024 * 1024), "pids", Map.of("limit", 256)), "/sbin/init"));
        Path bundle = work.resolve("bundles").resolve(container);

        runtime.run(container, bundle, config);
        RuncRuntime.State state = runtime.state(container).orElseThrow();
        assertTrue(state.running(), "running: " + state);
        assertEquals(state, runtime.states().get(container), "one listing tells every container's state, as state does");

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

    @Test
    void anInteractiveShellRunsOnATerminalThatFollowsResizesAndHangsUp() throws Exception {
        Path rootfs = pool.createPrivateArea(veId, "busybox@" + BusyboxTemplate.VERSION);
        int base = OciBundle.idBase(veId);
        IdShift.shift(rootfs, base);
        Path mounted = roots.prepare(veId, rootfs, base, base);
        runtime.run(container, work.resolve("bundles").resolve(container), OciBundle.config(new OciBundle.Spec(veId, "web" + veId,
                mounted.toString(), false, base, "/" + cgroupParent + "/" + container, Map.of("pids", Map.of("limit", 64)), "/sbin/init")));

        try (io.vessel.kernel.api.VeConsole console = runtime.console(container, List.of("/bin/sh", "-l"), Map.of("TERM", "xterm"), 80, 24)) {
            StringBuffer screen = new StringBuffer();
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[4096];
                try {
                    int n;
                    while ((n = console.output().read(buffer)) > 0) {
                        screen.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                    }
                } catch (java.io.IOException e) {
                    screen.append("\n[read failed: ").append(e.getMessage()).append("]");
                }
            });
            reader.start();
            type(console, "echo $((6*7))x; tty\n");
            awaitScreen(screen, "42x");
            awaitScreen(screen, "/dev/pts/");
            type(console, "stty size\n");
            awaitScreen(screen, "24 80");
            console.resize(100, 30);
            type(console, "stty size\n");
            awaitScreen(screen, "30 100");
            assertTrue(screen.toString().contains("@web" + veId), "a login shell shows its prompt:\n" + screen);

            type(console, "exit 3\n");
            reader.join(10_000);
            assertEquals(3, console.awaitExit(Duration.ofSeconds(10)).orElse(-1), "the shell's exit status:\n" + screen);
        }

        io.vessel.kernel.api.VeConsole hangup = runtime.console(container, List.of("/bin/sh"), Map.of(), 80, 24);
        type(hangup, "sleep 1000\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!exec("ps", "-o", "args").stdout().contains("sleep 1000") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        hangup.close();
        assertTrue(hangup.exitCode().isPresent(), "closing ends the console");
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (exec("ps", "-o", "args").stdout().contains("sleep 1000") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(exec("ps", "-o", "args").stdout().contains("sleep 1000"), "the hang-up ended what ran in the foreground");
        runtime.delete(container, true);
    }

    private static void type(io.vessel.kernel.api.VeConsole console, String text) throws Exception {
        console.input().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        console.input().flush();
    }

    private static void awaitScreen(StringBuffer screen, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!screen.toString().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(screen.toString().contains(text), "the terminal shows '" + text + "':\n" + screen);
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
        assertEquals("stopped", runtime.states().get(container).status());
        runtime.delete(container, false);
        assertTrue(runtime.state(container).isEmpty());
        assertTrue(runtime.states().isEmpty(), "none left, and runc's 'null' for none is an empty map");
    }

    /** The counter's number, read again while the writer has just truncated the file (for a second at most). */
    /** The counter's number; -1 for a read that found none. */
    private static long value(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String number(Path counter) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        String text = Files.readString(counter).strip();
        while (text.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
            text = Files.readString(counter).strip();
        }
        return text;
    }
}
