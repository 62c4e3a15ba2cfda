package io.vessel.bench;

import io.vessel.bench.Bench.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a VE's own view of itself costs (issue 13): a Debian 12 VE with systemd from the start request to
 * {@code systemctl is-system-running --wait}, beside an unprivileged LXC container of the very same root file system
 * (same owners, same id map, the same LXCFS files) started with {@code lxc-start} to the same point; reading
 * {@code /proc/meminfo} through LXCFS inside the VE beside the host's own; {@code statfs} answered by vessel-statfs
 * beside the host's. Medians of {@value #RUNS} boots; reads and calls are timed in one process (the test suite's
 * static {@code vessel-attack}: open, one 64 KiB read, close), so no fork is measured.
 */
final class ViewBench {

    private static final int RUNS = 5;
    private static final int VE = 4000;

    private final Path repo;
    private final VeBench ves;

    ViewBench(Path repo, VeBench ves) {
        this.repo = repo;
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        Path conf = Files.createTempFile("vessel-bench", ".conf");
        Files.writeString(conf, "kernel.debian.cache = " + repo.resolve("distribution/target/debootstrap-cache") + "\n");
        List<Double> ours = new ArrayList<>();
        List<Double> lxc = new ArrayList<>();
        double veMeminfo;
        double veStatfs;
        Path attack = buildStatfsTool();
        try (VeBench.Panel panel = ves.new Panel(conf)) {
            panel.timed("POST", "/api/v1/templates", "{\"name\":\"debian-12\",\"source\":\"debootstrap\",\"suite\":\"bookworm\"}");
            panel.timed("POST", "/api/v1/ves", "{\"template\":\"debian-12\",\"id\":" + VE + ",\"limits\":{\"memoryBytes\":1073741824}}");
            for (int i = 0; i < RUNS; i++) {
                long t = System.nanoTime();
                panel.timed("POST", "/api/v1/ves/" + VE + "/start", null);
                String state = panel.output(VE, "until s=$(systemctl is-system-running --wait 2>/dev/null); [ \"$s\" = running ] || [ \"$s\" = degraded ];"
                        + " do sleep 0.01; done; echo $s").strip();
                ours.add((System.nanoTime() - t) / 1e6);
                if (!state.equals("running")) {
                    System.err.println("VE booted " + state + ": " + panel.output(VE, "systemctl --failed --no-pager"));
                }
                if (i < RUNS - 1) {
                    panel.timed("POST", "/api/v1/ves/" + VE + "/stop", null);
                }
            }
            Path area = panel.data.resolve("storage/pool/ves/" + VE);
            Files.copy(attack, area.resolve("usr/local/bin/vessel-attack"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            veMeminfo = perCall(panel.output(VE, "vessel-attack read-flood 2000 /proc/meminfo"));
            veStatfs = perCall(panel.output(VE, "vessel-attack statfs-flood 20000"));
            panel.timed("POST", "/api/v1/ves/" + VE + "/stop", null);
            lxcBoots(panel, area, lxc);
        } finally {
            Files.deleteIfExists(conf);
        }
        double hostMeminfo = perCall(VeBench.sh(attack + " read-flood 20000 /proc/meminfo"));
        double hostStatfs = perCall(VeBench.sh(attack + " statfs-flood 200000"));
        return List.of(
                new Row("Debian VE start to systemd running (median of " + RUNS + ")", "ms", median(ours), "lxc-start, same rootfs + LXCFS",
                        median(lxc), "<= 2x"),
                new Row("read /proc/meminfo in a VE (LXCFS)", "us", veMeminfo, "on the host", hostMeminfo, "recorded"),
                new Row("statfs(\"/\") in a VE (vessel-statfs)", "us", veStatfs, "on the host", hostStatfs, "recorded"));
    }

    private static double perCall(String flood) {
        return Long.parseLong(flood.strip().split("\\s+")[1]) / 1000.0;
    }

    /** The bench's own static copy of the test suite's attack helper (its statfs-flood). */
    private Path buildStatfsTool() throws Exception {
        Path binary = Files.createTempFile("vessel-attack", "");
        String out = VeBench.sh("gcc -static -O2 -o " + binary + " " + repo.resolve("distribution/src/test/c/vessel-attack.c") + " 2>&1");
        if (!Files.isExecutable(binary) || Files.size(binary) == 0) {
            throw new IllegalStateException("building vessel-attack failed: " + out);
        }
        return binary;
    }

    /**
     * The same root file system for LXC: a snapshot of the VE's (its files keep the VE's host ids), bound where the
     * container's mapped root can reach it, with the same id map and the same LXCFS files the VE gets.
     */
    private static void lxcBoots(VeBench.Panel panel, Path area, List<Double> boots) throws Exception {
        String name = "vessel-bench-view-" + ProcessHandle.current().pid();
        Path dir = Files.createDirectories(Path.of("/var/tmp", name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path snapshot = area.resolveSibling("lxc-" + name);
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        String lxc = " -P " + dir.resolve("lxc") + " -n " + name;
        long base = 65536L * VE;
        StringBuilder conf = new StringBuilder("lxc.uts.name = lxcbench\nlxc.rootfs.path = dir:" + rootfs + "\n"
                + "lxc.idmap = u 0 " + base + " 65536\nlxc.idmap = g 0 " + base + " 65536\n"
                + "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\nlxc.autodev = 1\n"
                + "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\nlxc.signal.halt = SIGRTMIN+3\nlxc.init.cmd = /sbin/init\n");
        for (String file : List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime")) {
            conf.append("lxc.mount.entry = /run/vessel/lxcfs/proc/").append(file).append(" proc/").append(file).append(" none bind,ro,optional 0 0\n");
        }
        conf.append("lxc.mount.entry = /run/vessel/lxcfs/sys/devices/system/cpu sys/devices/system/cpu none bind,ro,optional 0 0\n");
        Path confFile = dir.resolve("lxc.conf");
        Files.writeString(confFile, conf.toString());
        // LXC maps ids through newuidmap when it is installed, which wants root's ranges listed
        String subid = "root:" + base + ":65536";
        String restoreSubids = "sed -i '/^" + subid + "$/d' /etc/subuid /etc/subgid";
        try {
            VeBench.sh("touch /etc/subuid /etc/subgid; grep -qx '" + subid + "' /etc/subuid || echo '" + subid + "' >> /etc/subuid;"
                    + " grep -qx '" + subid + "' /etc/subgid || echo '" + subid + "' >> /etc/subgid");
            VeBench.sh("btrfs -q subvolume snapshot " + area + " " + snapshot + " && mount --bind " + snapshot + " " + rootfs);
            VeBench.sh("mkdir -p " + dir.resolve("lxc") + " && lxc-create" + lxc + " -f " + confFile + " -t none >/dev/null 2>&1");
            for (int i = 0; i < RUNS; i++) {
                long t = System.nanoTime();
                // until systemd answers: right after lxc-start returns it may not have made /run/systemd yet
                String state = VeBench.sh("lxc-start" + lxc + " -d && until s=$(lxc-attach" + lxc + " -- systemctl is-system-running --wait 2>/dev/null);"
                        + " [ \"$s\" = running ] || [ \"$s\" = degraded ]; do sleep 0.01; done; echo $s").strip();
                boots.add((System.nanoTime() - t) / 1e6);
                if (!state.endsWith("running")) {
                    System.err.println("LXC booted " + state);
                }
                VeBench.sh("lxc-stop" + lxc);
            }
        } finally {
            VeBench.sh("lxc-stop -k" + lxc + " >/dev/null 2>&1; umount " + rootfs + " && btrfs -q subvolume delete " + snapshot + " && rm -rf " + dir
                    + "; " + restoreSubids);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
