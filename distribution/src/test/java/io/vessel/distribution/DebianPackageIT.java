package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Debian package as a provider meets it: lintian finds no error; in a Debian chroot made with debootstrap,
 * {@code apt install ./vessel_*.deb} pulls in its dependencies, the unit passes {@code systemd-analyze verify}, the panel
 * started from the installed layout answers health and lets the first admin in with the password postinst wrote, a
 * VE made there keeps running while the panel is stopped and the package upgraded over it (the database copied
 * first, the local edit of the conffile kept), and purge leaves nothing behind. Then the unit under a real systemd
 * booted in the chroot (these machines have none as their init): {@code Type=notify} makes the service active only
 * once the panel answers and it pings the watchdog; each VE's monitor and statfs helper get scopes of their own in
 * {@code vessel.slice}, so the service's cgroup holds the panel alone; {@code systemctl restart} and {@code stop}
 * leave a running VE, its init and its monitor untouched.
 *
 * <p>The chroot is entered through a mount namespace of its own whose root it is (a holder process that
 * pivot_root-ed into it), not with chroot(2): the kernel refuses user namespaces to chrooted processes, and every
 * mount the panel makes (storage pool, VE roots) stays inside that namespace and goes with it.
 */
class DebianPackageIT {

    private static final Path APT_CACHE = Path.of("/var/cache/apt/archives");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A command's exit status and output. */
    record Result(int code, String output) {
    }

    @Test
    void installsUpgradesUnderARunningVeAndPurgesInADebianChroot() throws Exception {
        Path deb = newestPackage();
        // lintian (half a minute of one core) runs while debootstrap mostly waits on the disk; its verdict is read after
        java.util.concurrent.CompletableFuture<Result> lintian = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return host(List.of("lintian", "--fail-on", "error", deb.toString()));
            } catch (Exception e) {
                return new Result(-1, e.toString());
            }
        });

        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "vessel-deb");
        Path root = dir.resolve("root");
        String bridge = "vdb" + (System.nanoTime() % 100000);
        int port = PanelProcess.freePort();
        Process holder = null;
        Process panel = null;
        try {
            Result bootstrap = host(List.of("debootstrap", "--variant=minbase", "--include=systemd", "--cache-dir=" + APT_CACHE, "bookworm",
                    root.toString(), System.getProperty("vessel.test.debian.mirror", "http://deb.debian.org/debian")));
            assertEquals(0, bootstrap.code(), bootstrap.output());
            assertEquals(0, lintian.get().code(), "lintian: " + lintian.get().output());
            // the host's package sources and lists: the same Debian release, so apt needs no update
            Files.deleteIfExists(root.resolve("etc/apt/sources.list"));
            host(List.of("cp", "-a", "/etc/apt/sources.list.d/.", root.resolve("etc/apt/sources.list.d").toString()));
            host(List.of("cp", "-a", "/var/lib/apt/lists/.", root.resolve("var/lib/apt/lists").toString()));
            Files.copy(deb, root.resolve("tmp/vessel.deb"));
            holder = holder(root);
            long holderPid = holder.pid();

            // install
            Result install = in(holderPid, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--no-install-recommends",
                    "/tmp/vessel.deb");
            assertEquals(0, install.code(), install.output());
            assertTrue(install.output().contains("the first admin login is 'admin' with the password in /var/lib/vessel/initial-admin-password"),
                    install.output());
            Path password = root.resolve("var/lib/vessel/initial-admin-password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(password)));
            assertEquals(0, in(holderPid, "getent", "group", "vessel").code(), "the socket's group");
            assertEquals(0, in(holderPid, "test", "-x", "/usr/bin/vesselctl").code());
            assertTrue(Files.exists(root.resolve("usr/share/man/man1/vesselctl-ve.1.gz")), "a man page per noun");
            Result verify = host(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, "vessel.service"));
            assertEquals(0, verify.code(), "systemd-analyze verify: " + verify.output());

            // the provider's own settings: an edit of the conffile, kept through the upgrade
            Files.writeString(root.resolve("etc/vessel/vessel.conf"), "http.port = " + port + "\nhttps.port = 0\nkernel.network.bridge = " + bridge
                    + "\n", java.nio.file.StandardOpenOption.APPEND);
            // class-data archives made for the installed paths by postinst, and used
            assertTrue(install.output().contains("cds: /var/cache/vessel/vessel.jsa"), install.output());
            assertTrue(Files.size(root.resolve("var/cache/vessel/vessel.jsa")) > 0 && Files.size(root.resolve("var/cache/vessel/vesselctl.jsa")) > 0,
                    "both archives made");
            Result cliWithArchive = in(holderPid, "env", "JAVA_OPTS_CLI=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:on", "vesselctl", "help");
            assertEquals(0, cliWithArchive.code(), "vesselctl maps its archive (-Xshare:on fails otherwise): " + cliWithArchive.output());
            panel = startPanel(holderPid, port);
            assertTrue(Files.readString(Path.of("/proc/" + panel.pid() + "/maps")).contains("var/cache/vessel/vessel.jsa"),
                    "the installed panel starts with its class-data archive");
            String admin = Files.readString(password).strip();
            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/auth/login"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + admin
                            + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, login.statusCode(), "the first admin logs in with the password postinst wrote: " + login.body());

            // a VE, whose init must outlive the upgrade: the same process (its start time since boot) before and after
            Result created = in(holderPid, "vesselctl", "ve", "create", "-t", "busybox", "--hostname", "packaged", "--start", "-q");
            assertEquals(0, created.code(), created.output());
            String ve = created.output().strip().lines().reduce((a, b) -> b).orElseThrow();
            String initStarted = veInitStarted(c -> in(holderPid, c), ve);

            // upgrade: the panel stops (the VE does not), a newer version of the same package goes in, the panel starts
            stop(panel);
            Path newer = repackaged(deb, dir);
            Files.copy(newer, root.resolve("tmp/vessel-newer.deb"));
            Result upgrade = in(holderPid, "env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "-i", "/tmp/vessel-newer.deb");
            assertEquals(0, upgrade.code(), upgrade.output());
            assertTrue(upgrade.output().contains("database copied to /var/lib/vessel/db-before-"), upgrade.output());
            try (Stream<Path> backups = Files.list(root.resolve("var/lib/vessel"))) {
                assertTrue(backups.anyMatch(p -> p.getFileName().toString().startsWith("db-before-")), "the database copied before migrating");
            }
            assertTrue(Files.readString(root.resolve("etc/vessel/vessel.conf")).contains("kernel.network.bridge = " + bridge), "the local edit kept");
            panel = startPanel(holderPid, port);
            JsonNode after = PanelProcess.JSON.readTree(in(holderPid, "vesselctl", "ve", "show", ve, "-o", "json").output());
            assertEquals("RUNNING", after.get("state").asText(), after.toString());
            assertEquals(initStarted, veInitStarted(c -> in(holderPid, c), ve), "the VE's init from before the upgrade still runs");

            // purge: the VE goes first (the panel destroys it), then everything the package made
            Result destroyed = in(holderPid, "vesselctl", "ve", "destroy", "--force", ve);
            assertEquals(0, destroyed.code(), destroyed.output());
            stop(panel);
            panel = null;

            underSystemd(root, holderPid, port);

            Result purge = in(holderPid, "dpkg", "--purge", "vessel");
            assertEquals(0, purge.code(), purge.output());
            for (String gone : List.of("var/lib/vessel", "etc/vessel", "usr/share/vessel", "var/log/vessel", "usr/bin/vesselctl", "var/cache/vessel")) {
                assertFalse(Files.exists(root.resolve(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone + " purged");
            }
            assertEquals(2, in(holderPid, "getent", "group", "vessel").code(), "the group purged");
            // and the LXCFS the panel started, which runs detached from it (looked for in the chroot's mount namespace:
            // the host's own LXCFS, of the same path, is another one)
            String namespace = PanelProcess.host("readlink", "/proc/" + holderPid + "/ns/mnt").strip();
            PanelProcess.poll(Duration.ofSeconds(10), () -> PanelProcess.host("sh", "-c",
                    "for p in $(pgrep -x lxcfs); do [ \"$(readlink /proc/$p/ns/mnt)\" = '" + namespace + "' ] && echo $p; done; true").isBlank(),
                    "the chroot's LXCFS to end with the purge");
        } finally {
            if (panel != null) {
                panel.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (holder != null) {
                // the namespace's last process: its mounts (pool, VE roots, /proc, …) go with it
                holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            PanelProcess.host("ip", "link", "del", bridge);
            detachLoops(dir);
            if (!Files.readString(Path.of("/proc/self/mounts")).contains(dir.toString())) {
                host(List.of("rm", "-rf", dir.toString()));
            }
        }
    }

    /**
     * Units that would reach out of the chroot through what it shares with the host (its network, /dev, /proc/sys,
     * the consoles, the kernel's audit and binfmt tables): masked before systemd boots there.
     */
    private static final List<String> MASKED_AT_BOOT = List.of("systemd-sysctl.service", "systemd-modules-load.service",
            "systemd-udevd.service", "systemd-udevd-control.socket", "systemd-udevd-kernel.socket", "systemd-udev-trigger.service",
            "systemd-udev-settle.service", "systemd-binfmt.service", "proc-sys-fs-binfmt_misc.automount", "proc-sys-fs-binfmt_misc.mount",
            "systemd-tmpfiles-setup-dev.service", "getty.target", "getty-static.service", "console-getty.service", "getty@tty1.service",
            "systemd-logind.service", "systemd-hwdb-update.service", "systemd-journald-dev-log.socket", "systemd-journald-audit.socket",
            "dev-hugepages.mount", "dev-mqueue.mount", "sys-kernel-config.mount", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
            "sys-fs-fuse-connections.mount", "systemd-random-seed.service", "systemd-remount-fs.service", "systemd-firstboot.service",
            "systemd-pstore.service");

    /**
     * vessel.service under systemd booted in the chroot ({@code src/test/resources/debian/boot-systemd}): the package
     * enabled it, so it starts at boot.
     */
    private static void underSystemd(Path root, long holder, int port) throws Exception {
        List<String> mask = new ArrayList<>(List.of("systemctl", "mask"));
        mask.addAll(MASKED_AT_BOOT);
        Result masked = in(holder, mask.toArray(String[]::new));
        assertEquals(0, masked.code(), masked.output());
        // a short watchdog, so its pings are seen within the test (systemd arms it once the service is ready)
        Path watchdog = root.resolve("etc/systemd/system/vessel.service.d/watchdog.conf");
        Files.createDirectories(watchdog.getParent());
        Files.writeString(watchdog, "[Service]\nWatchdogSec=4s\n");
        Path script = root.resolve("tmp/boot-systemd");
        Files.copy(Path.of("src/test/resources/debian/boot-systemd"), script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String group = "vessel-test-systemd-" + ProcessHandle.current().pid();
        Process boot = new ProcessBuilder("nsenter", "--target", String.valueOf(holder), "--mount", "--root", "--wd", "--", "/bin/sh", "/tmp/boot-systemd",
                group).redirectErrorStream(true).redirectOutput(root.resolve("tmp/boot-systemd.log").toFile()).start();
        long systemd = -1;
        Throwable failure = null;
        try {
            // the script becomes unshare, whose one child becomes systemd
            long[] found = {-1};
            try {
                PanelProcess.poll(Duration.ofSeconds(20), () -> {
                    ProcessHandle.of(boot.pid()).flatMap(p -> p.children().findFirst())
                            .filter(p -> p.info().command().map(c -> c.endsWith("/systemd")).orElse(false)).ifPresent(p -> found[0] = p.pid());
                    return found[0] > 0;
                }, "systemd as PID 1 of the chroot");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": " + Files.readString(root.resolve("tmp/boot-systemd.log")), e);
            }
            systemd = found[0];
            long init = systemd;
            PanelProcess.poll(Duration.ofSeconds(60), () -> List.of("running", "degraded").contains(sd(init, "systemctl", "is-system-running").output().strip()),
                    "the boot to end");
            // enabled by the package, started at boot; Type=notify: active only once the panel said it is ready
            PanelProcess.poll(Duration.ofSeconds(120), () -> {
                String state = sd(init, "systemctl", "is-active", "vessel").output().strip();
                if (state.equals("failed")) {
                    throw new AssertionError("vessel.service failed: " + sd(init, "journalctl", "--no-pager", "-u", "vessel").output());
                }
                return state.equals("active");
            }, "vessel.service active");
            assertEquals(200, health(port), "active means answering");
            String pinged = sd(init, "systemctl", "show", "-P", "WatchdogTimestampMonotonic", "vessel").output().strip();
            PanelProcess.poll(Duration.ofSeconds(10), () -> !sd(init, "systemctl", "show", "-P", "WatchdogTimestampMonotonic", "vessel").output().strip()
                    .equals(pinged), "a watchdog ping from the panel (every 2 s with WatchdogSec=4s)");

            // a VE made under systemd: its monitor and statfs helper each in a scope of its own, the service holds the panel alone
            Result created = sd(init, "vesselctl", "ve", "create", "-t", "busybox", "--hostname", "scoped", "--start", "-q");
            assertEquals(0, created.code(), created.output());
            String ve = created.output().strip().lines().reduce((a, b) -> b).orElseThrow();
            String monitor = sd(init, "cat", "/var/lib/vessel/run/ves/" + ve + "/conmon.pid").output().strip();
            assertTrue(systemdCgroup(init, monitor).matches(".*/vessel\\.slice/vessel-ve-" + ve + "-monitor-[0-9a-f]{6}\\.scope"),
                    "the VE's monitor in a scope of its own: " + systemdCgroup(init, monitor));
            String statfs = sd(init, "sh", "-c", "cat /run/vessel/*/statfs/" + ve + ".pid").output().strip();
            assertTrue(systemdCgroup(init, statfs).matches(".*/vessel\\.slice/vessel-statfs-[0-9a-f]{6}\\.scope"),
                    "the VE's statfs helper in a scope of its own: " + systemdCgroup(init, statfs));
            String mainPid = sd(init, "systemctl", "show", "-P", "MainPID", "vessel").output().strip();
            assertEquals(List.of(mainPid), serviceProcesses(init), "the service's cgroup holds the panel alone");
            String initStarted = veInitStarted(c -> sd(init, c), ve);

            // restart: over once the new panel is ready; the VE and its monitor go on
            Result restarted = sd(init, "systemctl", "restart", "vessel");
            assertEquals(0, restarted.code(), restarted.output());
            assertEquals("active", sd(init, "systemctl", "is-active", "vessel").output().strip());
            assertEquals(200, health(port), "ready when restart returns");
            assertEquals(0, sd(init, "test", "-d", "/proc/" + monitor).code(), "the VE's monitor outlived the restart");
            assertEquals(initStarted, veInitStarted(c -> sd(init, c), ve), "the VE's init from before the restart still runs");

            // stop: the panel ends, the VE does not; start: the panel finds it running
            String veInit = sd(init, "cat", "/var/lib/vessel/run/ves/" + ve + "/init.pid").output().strip();
            assertEquals(0, sd(init, "systemctl", "stop", "vessel").code());
            assertEquals("inactive", sd(init, "systemctl", "is-active", "vessel").output().strip());
            assertEquals("success 0", sd(init, "sh", "-c", "echo $(systemctl show -P Result vessel) $(systemctl show -P ExecMainStatus vessel)")
                    .output().strip(), "systemctl stop: a clean shutdown (exit status 0)");
            assertEquals(0, sd(init, "test", "-d", "/proc/" + veInit).code(), "the VE runs while the panel is stopped");
            assertEquals(0, sd(init, "test", "-d", "/proc/" + monitor).code(), "and so does its monitor");
            assertEquals(0, sd(init, "systemctl", "start", "vessel").code());
            assertEquals("RUNNING", PanelProcess.JSON.readTree(sd(init, "vesselctl", "ve", "show", ve, "-o", "json").output()).get("state").asText());
            assertEquals(initStarted, veInitStarted(c -> sd(init, c), ve), "the same init after stop and start");

            assertEquals("0", sd(init, "systemctl", "show", "-P", "NRestarts", "vessel").output().strip(),
                    "never restarted by systemd (a missed watchdog ping would have)");
            Result destroyed = sd(init, "vesselctl", "ve", "destroy", "--force", ve);
            assertEquals(0, destroyed.code(), destroyed.output());
            PanelProcess.poll(Duration.ofSeconds(10), () -> !sd(init, "systemctl", "list-units", "--no-legend", "vessel-ve-" + ve + "-*").output().contains(".scope"),
                    "the monitor's scope gone with its VE");
            assertEquals(0, sd(init, "systemctl", "stop", "vessel").code());
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            if (systemd > 0) {
                // the cgroups the panel made for its node and VEs, also in the hierarchies only this systemd mounted
                sd(systemd, "sh", "-c", "for h in /sys/fs/cgroup/*/; do for n in ${h}vessel/*/; do [ -d \"$n\" ] && find \"$n\" -depth -type d -exec rmdir {} \\; ;"
                        + " done; rmdir ${h}vessel 2>/dev/null; done; true");
            }
            // PID 1 of the namespace, found or not (the script's one child): every process of the namespace goes with it
            ProcessHandle.of(boot.pid()).ifPresent(unshare -> unshare.children().forEach(ProcessHandle::destroyForcibly));
            boot.destroyForcibly();
            boot.waitFor(30, TimeUnit.SECONDS);
            try {
                PanelProcess.poll(Duration.ofSeconds(30), () -> PanelProcess.host("sh", "-c", "for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do"
                        + " [ -d \"${h}" + group + "\" ] && find \"${h}" + group + "\" -depth -type d -exec rmdir {} \\; 2>/dev/null; done;"
                        + " ls -d /sys/fs/cgroup/*/" + group + " /sys/fs/cgroup/" + group + " 2>/dev/null | wc -l").strip().equals("0"),
                        "systemd's cgroups removed");
            } catch (AssertionError leftOver) {
                if (failure == null) {
                    throw leftOver;
                }
                failure.addSuppressed(leftOver); // the first failure is the one to read
            }
        }
    }

    /** A command in the booted chroot: its mount, PID and UTS namespaces, as root there. */
    private static Result sd(long systemd, String... command) {
        return entered(systemd, List.of("--mount", "--pid", "--uts"), command);
    }

    /** The process's cgroup as systemd sees it (its named v1 hierarchy where there is one, else the unified one). */
    private static String systemdCgroup(long systemd, String pid) {
        List<String> lines = sd(systemd, "cat", "/proc/" + pid + "/cgroup").output().lines().toList();
        return lines.stream().filter(l -> l.contains(":name=systemd:")).findFirst()
                .or(() -> lines.stream().filter(l -> l.startsWith("0::")).findFirst()).map(l -> l.substring(l.lastIndexOf(':') + 1)).orElse("");
    }

    private static List<String> serviceProcesses(long systemd) {
        String cgroup = sd(systemd, "systemctl", "show", "-P", "ControlGroup", "vessel").output().strip();
        return sd(systemd, "sh", "-c", "cat /sys/fs/cgroup/systemd" + cgroup + "/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup" + cgroup + "/cgroup.procs")
                .output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * When the VE's init started (its start time since boot), asked with vesselctl through {@code shell}: the same
     * value means the same process.
     */
    private static String veInitStarted(java.util.function.Function<String[], Result> shell, String ve) {
        Result init = shell.apply(new String[] {"vesselctl", "ve", "exec", ve, "--", "cut", "-d", " ", "-f", "22", "/proc/1/stat"});
        assertEquals(0, init.code(), init.output());
        return init.output().strip();
    }

    private static int health(int port) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/health")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private static Path newestPackage() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("vessel_.*_amd64\\.deb"))
                    .max(java.util.Comparator.comparing(p -> p.toFile().lastModified())).orElseThrow(() -> new AssertionError("no vessel_*.deb in target"))
                    .toAbsolutePath();
        }
    }

    /** A process whose mount namespace has the chroot as its root, with /proc, /sys, /dev, a fresh /run and the apt cache. */
    private static Process holder(Path root) throws IOException {
        String r = root.toString();
        String script = String.join(" && ", "mount --rbind " + r + " " + r, "mount -t proc proc " + r + "/proc", "mount --rbind /sys " + r + "/sys",
                "mount --rbind /dev " + r + "/dev", "mount -t tmpfs -o mode=0755 tmpfs " + r + "/run",
                "mount --bind " + APT_CACHE + " " + r + "/var/cache/apt/archives", "cd " + r, "mkdir -p .host", "pivot_root . .host",
                "umount -l /.host", "exec sleep 1000000");
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script).redirectErrorStream(true).start();
        PanelProcess.poll(Duration.ofSeconds(20), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("the chroot's namespace did not come up: " + read(p));
            }
            return PanelProcess.host("readlink", "/proc/" + p.pid() + "/root").strip().equals("/")
                    && PanelProcess.host("sh", "-c", "cat /proc/" + p.pid() + "/cmdline | tr '\\0' ' '").startsWith("sleep");
        }, "the chroot's namespace");
        return p;
    }

    private static Process startPanel(long holder, int port) throws Exception {
        Process panel = new ProcessBuilder("nsenter", "--target", String.valueOf(holder), "--mount", "--root", "--wd", "--", "env", "-i",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "VESSEL_CONF=/etc/vessel/vessel.conf",
                "VESSEL_ADMIN_PASSWORD_FILE=/var/lib/vessel/initial-admin-password", "/usr/share/vessel/bin/vessel")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        PanelProcess.poll(Duration.ofSeconds(120), () -> {
            if (!panel.isAlive()) {
                throw new AssertionError("the installed panel exited with " + panel.exitValue());
            }
            try {
                return health(port) == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, "the installed panel's health");
        return panel;
    }

    private static void stop(Process panel) throws InterruptedException {
        panel.destroy(); // SIGTERM: bin/vessel execs the JVM, which stops every bundle and exits 0
        assertTrue(panel.waitFor(90, TimeUnit.SECONDS), "the panel stopped");
        assertEquals(0, panel.exitValue(), "a clean stop");
    }

    /** The same package with a higher version, as the next build would make it. */
    private static Path repackaged(Path deb, Path dir) throws Exception {
        Path tree = dir.resolve("newer");
        assertEquals(0, host(List.of("dpkg-deb", "-R", deb.toString(), tree.toString())).code());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: (.*)$", "Version: $1+1"));
        Path newer = dir.resolve("vessel-newer.deb");
        // not compressed: xz took half a minute of both cores for a file that only this test reads
        Result built = host(List.of("dpkg-deb", "--root-owner-group", "-Znone", "-b", tree.toString(), newer.toString()));
        assertEquals(0, built.code(), built.output());
        return newer;
    }

    /** A command in the chroot: the holder's mount namespace, as root there. */
    private static Result in(long holder, String... command) {
        return entered(holder, List.of("--mount"), command);
    }

    private static Result entered(long target, List<String> namespaces, String... command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", String.valueOf(target)));
        full.addAll(namespaces);
        full.addAll(List.of("--root", "--wd", "--"));
        full.addAll(List.of(command));
        try {
            return host(full);
        } catch (Exception e) {
            throw new AssertionError(full + ": " + e, e);
        }
    }

    private static Result host(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = read(p);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end");
        }
        return new Result(p.exitValue(), output);
    }

    private static String read(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static void detachLoops(Path dir) {
        for (String line : PanelProcess.host("losetup", "-a").split("\n")) {
            if (line.contains(dir.toString())) {
                PanelProcess.host("losetup", "-d", line.substring(0, line.indexOf(':')));
            }
        }
    }
}
