package io.vessel.kernel.internal.ve;

import io.vessel.kernel.internal.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's one LXCFS (Debian package {@code lxcfs}, the FUSE file system LXC and Incus give their containers): it
 * serves {@code /proc/meminfo}, {@code cpuinfo}, {@code stat}, {@code uptime}, {@code loadavg}, {@code diskstats},
 * {@code swaps} and {@code /sys/devices/system/cpu} as seen from the cgroup and pid namespace of whoever reads them,
 * and every VE gets them bind-mounted over its own, so {@code free}, {@code top}, {@code uptime} and
 * {@code getconf _NPROCESSORS_ONLN} show the VE's limits rather than the host's.
 *
 * <p>It runs detached from the panel (its own session, adopted through its pid file and mount after a panel
 * restart) because running VEs read through it: it is never stopped or restarted while it answers. If it dies
 * anyway, the VEs' mounts answer "transport endpoint is not connected"; {@link #ensureRunning} starts a new one and
 * {@link VeNamespaces#replaceDeadMounts} puts fresh mounts into each running VE.
 *
 * <p>Hand-written only in what no package does: LXC's own hook ({@code /usr/share/lxcfs/lxc.mount.hook}) runs
 * inside LXC's start sequence, and OCI runtimes take the same binds as ordinary mounts, which is what this gives them.
 */
public final class Lxcfs {

    private static final Logger LOG = LoggerFactory.getLogger(Lxcfs.class);

    /** The {@code /proc} files LXCFS serves and runc lets a container mount over. */
    static final List<String> PROC_FILES = List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime");
    static final String CPU_DIRECTORY = "sys/devices/system/cpu";
    private static final List<String> MOUNT_OPTIONS = List.of("rbind", "ro", "nosuid", "nodev", "noexec");

    /** What the host's LXCFS mount is doing. */
    public enum State { LIVE, DEAD, ABSENT }

    private final Path binary;
    private final Path mountPoint;
    private final Path pidFile;
    private final Path log;
    /** Held while one process looks at LXCFS and starts it: the host has one, whichever of its panels starts it. */
    private final Path lock;

    Lxcfs(Path binary, Path runtimeRoot) {
        this.binary = binary;
        this.mountPoint = runtimeRoot.resolve("lxcfs");
        this.pidFile = runtimeRoot.resolve("lxcfs.pid");
        this.log = runtimeRoot.resolve("lxcfs.log");
        this.lock = runtimeRoot.resolve("lxcfs.lock");
    }

    /** This host's LXCFS under {@code runtimeRoot} (shared by every panel of the host), if the package is installed. */
    public static Optional<Lxcfs> onThisHost(Path runtimeRoot) {
        for (String candidate : List.of("/usr/bin/lxcfs", "/usr/local/bin/lxcfs", "/bin/lxcfs")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(new Lxcfs(Path.of(candidate), runtimeRoot));
            }
        }
        return Optional.empty();
    }

    public State state() {
        try {
            Optional<Mounts.Mount> mount = Mounts.find(mountPoint);
            if (mount.isEmpty() || !mount.get().fsType().equals("fuse.lxcfs")) {
                return State.ABSENT;
            }
            Files.readAllBytes(mountPoint.resolve("proc/uptime"));
            return State.LIVE;
        } catch (IOException e) {
            return State.DEAD;
        }
    }

    /**
     * Which LXCFS serves now (its pid, from its pid file): another panel of the host may have replaced a dead one,
     * and this panel's VEs then need fresh mounts as much as if it had done so itself.
     */
    public String instance() {
        try {
            return Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Adopts the running LXCFS, or starts one: after a dead one's mount is detached (VEs keep theirs until they are
     * given new ones). Returns whether a new one was started.
     */
    public synchronized boolean ensureRunning() throws IOException {
        // two processes finding it absent at once would each start one, stacked on one mount point: the pid file
        // then names one, the VEs may read through the other, and a death of either is never repaired
        Files.createDirectories(lock.getParent());
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock held = channel.lock()) {
            return ensureRunningLocked();
        }
    }

    private boolean ensureRunningLocked() throws IOException {
        State state = state();
        if (state == State.LIVE) {
            return false;
        }
        if (state == State.DEAD) {
            LOG.warn("LXCFS has died; its mount is detached and a new one started mount={}", mountPoint);
            Mounts.unmount(mountPoint, true);
        }
        Files.createDirectories(mountPoint);
        for (int attempt = 1; ; attempt++) {
            // none serves (or the last attempt's is still not up after 10 s, on a loaded host): every LXCFS of this
            // mount point goes first, the pid file's and any it no longer names, so no second one lives on beside
            stopAllOfThisMount();
            start();
            if (awaitLive(Duration.ofSeconds(10))) {
                LOG.info("LXCFS started mount={} pidFile={}", mountPoint, pidFile);
                return true;
            }
            if (attempt == 3) {
                throw new IOException("LXCFS did not come up at " + mountPoint + ": " + Detached.lastLines(log));
            }
            // a dying instance may still hold the pid file's lock; it lets go within moments
            sleep(Duration.ofSeconds(1));
        }
    }

    /**
     * Stops every LXCFS process of this mount namespace whose arguments name this mount point (found in {@code /proc}:
     * it runs detached, and its pid file is written by LXCFS itself, late or not at all when it hangs). Called with the
     * host-wide lock held and no instance serving, so none of them is in use: one that hangs, or whose mount was
     * detached, would otherwise live on beside the new one, holding the pid file's lock and serving only old binds.
     * Another mount namespace's LXCFS of the same path is another host's as far as mounts go (a panel installed in a
     * chroot with its own namespace, sharing the pid namespace: the Debian package's test) and is left alone; it was
     * once killed from there, and every VE of the real host starting in the next moments failed on its /proc views.
     */
    private void stopAllOfThisMount() {
        Path real;
        try {
            real = binary.toRealPath();
        } catch (IOException e) {
            return;
        }
        List<ProcessHandle> stale = ProcessHandle.allProcesses().filter(p -> {
            try {
                Path proc = Path.of("/proc", Long.toString(p.pid()));
                // "(deleted)": the binary was replaced since it started (a package upgrade); still an LXCFS of ours
                String exe = Files.readSymbolicLink(proc.resolve("exe")).toString().replaceFirst(" \\(deleted\\)$", "");
                return exe.equals(real.toString()) && inThisMountNamespace(p.pid())
                        && List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8).split("\0"))
                        .contains(mountPoint.toString());
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }).toList();
        for (ProcessHandle process : stale) {
            LOG.warn("LXCFS does not serve its mount; stopping it before starting another pid={} mount={}", process.pid(), mountPoint);
            process.destroyForcibly();
        }
        for (ProcessHandle process : stale) {
            try {
                process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.warn("LXCFS pid={} did not end within 5 s", process.pid());
            }
        }
    }

    /** Whether process {@code pid} sees the mounts this panel sees: only there does a mount point's path name the same mount. */
    static boolean inThisMountNamespace(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "mnt"))
                .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
    }

    /** Detached from the panel; foreground mode keeps its messages in the log file. */
    private void start() throws IOException {
        Detached.start("lxcfs", "Vessel: LXCFS, the VEs' views of /proc and /sys (" + mountPoint + ")", List.of(binary.toString(),
                "--foreground", "--enable-cfs", "--enable-loadavg", "--enable-pidfd",
                "--pidfile=" + pidFile, mountPoint.toString()), log);
    }

    private boolean awaitLive(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (state() == State.LIVE) {
                return true;
            }
            sleep(Duration.ofMillis(50));
        }
        return false;
    }

    /** What LXCFS serves that a VE mounts, as host source and VE target. */
    public List<VeNamespaces.Bind> binds() {
        List<VeNamespaces.Bind> binds = new ArrayList<>();
        for (String file : PROC_FILES) {
            Path source = mountPoint.resolve("proc").resolve(file);
            if (Files.exists(source)) {
                binds.add(new VeNamespaces.Bind(source, "/proc/" + file));
            }
        }
        if (Files.isDirectory(mountPoint.resolve(CPU_DIRECTORY))) {
            binds.add(new VeNamespaces.Bind(mountPoint.resolve(CPU_DIRECTORY), "/" + CPU_DIRECTORY));
        }
        return binds;
    }

    /**
     * The binds as OCI mounts. Read-only, and with the FUSE mount's own nosuid and nodev: in a user namespace the
     * kernel refuses a remount that would drop flags the source mount has.
     */
    public List<Map<String, Object>> ociMounts() {
        List<Map<String, Object>> mounts = new ArrayList<>();
        for (VeNamespaces.Bind bind : binds()) {
            Map<String, Object> mount = new LinkedHashMap<>();
            mount.put("destination", bind.target());
            mount.put("type", "bind");
            mount.put("source", bind.source().toString());
            mount.put("options", MOUNT_OPTIONS);
            mounts.add(mount);
        }
        return mounts;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
