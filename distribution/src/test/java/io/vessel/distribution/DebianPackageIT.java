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
 * first, the local edit of the conffile kept), and purge leaves nothing behind.
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
        Result lintian = host(List.of("lintian", "--fail-on", "error", deb.toString()));
        assertEquals(0, lintian.code(), "lintian: " + lintian.output());

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
            Result init = in(holderPid, "vesselctl", "ve", "exec", ve, "--", "cut", "-d", " ", "-f", "22", "/proc/1/stat");
            assertEquals(0, init.code(), init.output());
            String initStarted = init.output().strip();

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
            assertEquals(initStarted, in(holderPid, "vesselctl", "ve", "exec", ve, "--", "cut", "-d", " ", "-f", "22", "/proc/1/stat").output().strip(),
                    "the VE's init from before the upgrade still runs");

            // purge: the VE goes first (the panel destroys it), then everything the package made
            Result destroyed = in(holderPid, "vesselctl", "ve", "destroy", "--force", ve);
            assertEquals(0, destroyed.code(), destroyed.output());
            stop(panel);
            panel = null;
            Result purge = in(holderPid, "dpkg", "--purge", "vessel");
            assertEquals(0, purge.code(), purge.output());
            for (String gone : List.of("var/lib/vessel", "etc/vessel", "usr/share/vessel", "var/log/vessel", "usr/bin/vesselctl", "var/cache/vessel")) {
                assertFalse(Files.exists(root.resolve(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone + " purged");
            }
            assertEquals(2, in(holderPid, "getent", "group", "vessel").code(), "the group purged");
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
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
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
        Result built = host(List.of("dpkg-deb", "--root-owner-group", "-b", tree.toString(), newer.toString()));
        assertEquals(0, built.code(), built.output());
        return newer;
    }

    private static Result in(long holder, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", String.valueOf(holder), "--mount", "--root", "--wd", "--"));
        full.addAll(List.of(command));
        return host(full);
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
