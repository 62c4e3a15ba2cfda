package io.vessel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vessel.bench.Bench.Row;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench/run backup}: Vessel's backups (restic 0.14 in the backups' cgroup, through the API: snapshot, view,
 * restic) against <b>borgbackup</b> (Debian's 1.2: it also chunks, deduplicates, compresses and encrypts — the fair
 * peer), with {@code tar -c | zstd -1} as the floor (no chunking, no encryption), all on the same tree of about
 * 1 GiB in the same run: the host's {@code /usr/share} (a distribution's files, owned as in a VE), plus
 * incompressible (random) and compressible (text) data. Page caches are dropped before every full read. Figures:
 * first backup throughput, an unchanged VE's next backup, a 10 MB change, a full restore, the VE's frozen time,
 * and another tenant's disk latency while a backup runs. Needs {@code apt-get install borgbackup}.
 */
final class BackupBench {

    private static final long RANDOM_MIB = 200;
    private static final long TEXT_LINES = 20_000_000; // about 150 MB of numbers, one per line
    private static final int PROBES = 40;

    private final VeBench ves;

    BackupBench(VeBench ves) {
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        Path borg = Bench.tempDir();
        // BENCH_BACKUP_CPUS: restic's CPU cap (backup.cpus; shipped: 1, 0: every CPU)
        String cpus = System.getenv().getOrDefault("BENCH_BACKUP_CPUS", "1");
        // BENCH_BACKUP_TREE: "debian" (default: a Debian 12 VE from debootstrap, as the data set) or "usr-share"
        boolean debian = !"usr-share".equals(System.getenv().getOrDefault("BENCH_BACKUP_TREE", "debian"));
        Path debs = ves.repo().resolve("distribution/target/debootstrap-cache"); // the ITs' package cache, when there is one
        // BENCH_BACKUP_IO_READ: restic's read cap in MiB/s on the pool's disk (backup.io.read.mib; 0: none)
        String ioRead = System.getenv().getOrDefault("BENCH_BACKUP_IO_READ", "0");
        Path conf = Files.writeString(borg.resolve("vessel.conf"), "backup.cpus = " + cpus + "\nbackup.io.read.mib = " + ioRead + "\n"
                + (Files.isDirectory(debs) ? "kernel.debian.cache = " + debs + "\n" : ""));
        try (VeBench.Panel panel = ves.new Panel(conf)) {
            String limits = "\"limits\":{\"diskBytes\":" + (6L << 30) + ",\"memoryBytes\":" + (512L << 20) + "}";
            if (debian) {
                panel.timed("POST", "/api/v1/templates", "{\"name\":\"debian-12\",\"source\":\"debootstrap\",\"suite\":\"bookworm\"}");
            }
            int ve = create(panel, "{\"template\":\"" + (debian ? "debian-12" : "busybox") + "\",\"hostname\":\"data\"," + limits + "}");
            int other = create(panel, "{\"template\":\"busybox\",\"hostname\":\"neighbour\"," + limits + "}");
            Path area = panel.data.resolve("storage/pool/ves/" + ve);
            fill(area, debian);
            long bytes = Long.parseLong(VeBench.sh("du -sb " + area + " | cut -f1").strip());
            double mib = bytes / 1048576.0;
            panel.timed("POST", "/api/v1/ves/" + ve + "/start", null);
            panel.timed("POST", "/api/v1/ves/" + other + "/start", null);
            long files = Long.parseLong(VeBench.sh("find " + area + " | wc -l").strip());

            // the tenant's repository made first (once per tenant and target: restic init and the recovery key), by the
            // backup of the small neighbour VE, so the first backup of the data VE is what a VE's first backup costs
            double repository = panel.timed("POST", "/api/v1/ves/" + other + "/backups", "{}");
            double smallVe = duMib(panel.data.resolve("backups"));
            panel.exec(other, "head -c 268435456 /dev/urandom > /probe-read && sync");
            rows.add(new Row("a tenant's repository made + a small VE's first backup (once per tenant)", "s", repository / 1000, "-", 0, "-"));
            // first backup: ours through the API, borg and the tar|zstd floor on the same tree, caches dropped before each
            dropCaches();
            double oursFirst = panel.timed("POST", "/api/v1/ves/" + ve + "/backups", "{}");
            JsonNode first = lastBackup(panel, ve);
            dropCaches();
            Path repo = borg.resolve("borg");
            borg("init --encryption=repokey-blake2 " + repo);
            double borgFirst = timed(() -> borg("create --compression zstd,3 " + repo + "::first " + area));
            dropCaches();
            double tarFirst = timed(() -> VeBench.sh("tar -C " + area + " -cf - . | zstd -1 -q -T1 -o " + borg.resolve("floor.tar.zst")));
            rows.add(new Row("first backup of a VE, " + Math.round(mib) + " MiB in " + files / 1000 + "k files (backup.cpus " + cpus + "): vs borg 1.2", "MiB/s",
                    mib / (oursFirst / 1000), "borg zstd,3 + enc", mib / (borgFirst / 1000), ">= 1.5x"));
            rows.add(new Row("first backup: restic's own time within the operation", "s", first.path("durationMs").asDouble() / 1000,
                    "whole operation", oursFirst / 1000, "-"));
            rows.add(new Row("first backup: throughput, ours vs tar | zstd -1 (floor)", "MiB/s",
                    mib / (oursFirst / 1000), "tar|zstd -1", mib / (tarFirst / 1000), "-"));
            rows.add(new Row("first backup: repository size on disk, ours vs borg", "MiB", duMib(panel.data.resolve("backups")) - smallVe,
                    "borg", duMib(repo), "-"));
            rows.add(new Row("first backup: the VE frozen for its snapshot", "ms", first.path("frozenMs").asDouble(), "-", 0, "<= 50 ms"));

            // unchanged: the next backup reads only metadata
            double oursAgain = panel.timed("POST", "/api/v1/ves/" + ve + "/backups", "{}");
            double borgAgain = timed(() -> borg("create --compression zstd,3 " + repo + "::again " + area));
            rows.add(new Row("unchanged VE: next backup, ours vs borg", "s", oursAgain / 1000, "borg", borgAgain / 1000, "<= 3 s"));
            rows.add(new Row("unchanged VE: restic's own time within the operation", "s", lastBackup(panel, ve).path("durationMs").asDouble() / 1000,
                    "whole operation", oursAgain / 1000, "-"));

            // a 10 MB change (in the VE, as its tenant would)
            panel.exec(ve, "head -c 10485760 /dev/urandom > /data/changed && sync");
            double oursChange = panel.timed("POST", "/api/v1/ves/" + ve + "/backups", "{}");
            JsonNode changed = lastBackup(panel, ve);
            double borgChange = timed(() -> borg("create --compression zstd,3 " + repo + "::changed " + area));
            rows.add(new Row("10 MB changed: incremental backup, ours vs borg", "s", oursChange / 1000, "borg", borgChange / 1000, "<= 5 s"));
            rows.add(new Row("10 MB changed: stored by the incremental backup", "MB", changed.path("bytesAdded").asLong() / 1e6, "-", 0,
                    "<= 15 MB"));

            // another tenant's disk latency: 40 fsync'd 4 KiB writes and 40 direct 4 KiB reads, idle and during a backup
            double idle = probe(panel, other);
            Thread during = new Thread(() -> {
                try {
                    panel.timed("POST", "/api/v1/ves/" + ve + "/backups", "{}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            panel.exec(ve, "head -c 314572800 /dev/urandom > /data/fresh && sync"); // new data: the backup reads and writes
            dropCaches();
            during.start();
            Thread.sleep(1500);
            double busy = probe(panel, other);
            during.join();
            rows.add(new Row("another VE's " + PROBES + " fsync'd writes + " + PROBES + " direct reads, during a backup (io.read.mib "
                    + ioRead + ") vs idle", "ms",
                    busy, "idle", idle, "-"));

            // full restore: ours in place (VE stopped), borg extract, zstd -d | tar -x
            panel.timed("POST", "/api/v1/ves/" + ve + "/stop?timeout=10", null);
            dropCaches();
            double oursRestore = panel.timed("POST", "/api/v1/ves/" + ve + "/backups/" + first.path("id").asText() + "/restore", "{}");
            Path extracted = Files.createDirectories(borg.resolve("extracted"));
            dropCaches();
            double borgRestore = timed(() -> VeBench.sh("cd " + extracted + " && BORG_PASSPHRASE=bench borg extract " + repo + "::first"));
            Path untarred = Files.createDirectories(borg.resolve("untarred"));
            dropCaches();
            double tarRestore = timed(() -> VeBench.sh("zstd -dc -q " + borg.resolve("floor.tar.zst") + " | tar -C " + untarred + " -xf -"));
            rows.add(new Row("full restore: throughput, ours (in place) vs borg extract", "MiB/s", mib / (oursRestore / 1000),
                    "borg extract", mib / (borgRestore / 1000), "-"));
            rows.add(new Row("full restore: throughput, ours vs zstd -d | tar -x (floor)", "MiB/s", mib / (oursRestore / 1000),
                    "zstd|tar -x", mib / (tarRestore / 1000), "-"));
        } finally {
            VeBench.sh("rm -rf " + borg);
        }
        return rows;
    }

    /**
     * The tree: a Debian rootfs (or the host's /usr/share owned by the VE's root: a denser one), random and text data
     * up to about 1 GiB.
     */
    private static void fill(Path area, boolean debian) throws Exception {
        String owner = VeBench.sh("stat -c %u:%g " + area.resolve("bin")).strip();
        long rootfs = Long.parseLong(VeBench.sh("du -sb " + area + " | cut -f1").strip()) >> 20;
        long random = debian ? Math.max(200, 1024 - rootfs - 150) : RANDOM_MIB;
        VeBench.sh("mkdir -p " + area.resolve("data") + (debian ? "" : " && cp -a /usr/share " + area.resolve("data/usr-share"))
                + " && head -c " + (random << 20) + " /dev/urandom > " + area.resolve("data/random")
                + " && seq 1 " + TEXT_LINES + " > " + area.resolve("data/numbers")
                + " && chown -R --no-dereference " + owner + " " + area.resolve("data") + " && sync");
    }

    private static double duMib(Path dir) throws Exception {
        return Long.parseLong(VeBench.sh("du -sb " + dir + " | cut -f1").strip()) / 1048576.0;
    }

    private static int create(VeBench.Panel panel, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(panel.uri("/api/v1/ves")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        JsonNode accepted = new com.fasterxml.jackson.databind.ObjectMapper().readTree(panel.send(request).body());
        int id = Integer.parseInt(accepted.get("target").asText().replace("ve/", ""));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!panel.get("/api/v1/ves/" + id).path("state").asText().equals("STOPPED")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("VE " + id + " was not created");
            }
            Thread.sleep(50);
        }
        return id;
    }

    private static JsonNode lastBackup(VeBench.Panel panel, int ve) throws Exception {
        return panel.get("/api/v1/ves/" + ve + "/backups").get(0);
    }

    /** Milliseconds for the probes in a VE: fsync'd 4 KiB writes, then direct 4 KiB reads at random places. */
    private static double probe(VeBench.Panel panel, int ve) throws Exception {
        long started = System.nanoTime();
        panel.exec(ve, "i=0; while [ $i -lt " + PROBES + " ]; do dd if=/dev/zero of=/probe-write bs=4096 count=1 conv=fsync 2>/dev/null;"
                + " dd if=/probe-read of=/dev/null bs=4096 count=1 skip=$(( (i * 7919) % 65536 )) iflag=direct 2>/dev/null; i=$((i+1)); done");
        return (System.nanoTime() - started) / 1e6;
    }

    private static String borg(String args) throws Exception {
        return VeBench.sh("BORG_PASSPHRASE=bench BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes borg " + args);
    }

    private static void dropCaches() throws Exception {
        VeBench.sh("sync; echo 3 > /proc/sys/vm/drop_caches");
    }

    interface Action {
        Object run() throws Exception;
    }

    private static double timed(Action action) throws Exception {
        long started = System.nanoTime();
        action.run();
        return (System.nanoTime() - started) / 1e6;
    }
}
