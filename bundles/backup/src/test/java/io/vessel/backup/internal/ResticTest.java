package io.vessel.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.backup.api.BackupTarget;
import io.vessel.backup.api.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restic driver against Debian's real restic: a repository made and opened with its own and with the recovery
 * key, a backup with progress and summary, an unchanged tree stored again as nearly nothing, snapshots by tag,
 * stored bytes, forgetting with prune, and failures that say why without ever showing the password.
 */
class ResticTest {

    @TempDir
    Path work;

    @Test
    void backsUpIncrementallyAndOpensWithTheRecoveryKey() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        LocalDirectoryTarget target = new LocalDirectoryTarget("local", work.resolve("repos"), null);
        BackupTarget.Repository repository = target.repository("tenant-a");
        restic.init(repository, "first-password-of-the-repository");
        restic.addKey(repository, "first-password-of-the-repository", "the-providers-recovery-key");

        Path tree = Files.createDirectories(work.resolve("ve/etc"));
        Files.writeString(tree.resolve("hostname"), "web1\n");
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data); // incompressible: what is stored is what was read
        Files.write(work.resolve("ve/blob.bin"), data);
        List<Restic.Progress> progress = new ArrayList<>();
        Restic.Summary first = restic.backup(repository, "first-password-of-the-repository", work.resolve("ve"), "node1", List.of("ve=101", "by=admin"),
                progress::add);
        assertTrue(first.complete());
        assertEquals(2, first.filesNew());
        assertTrue(first.dataAdded() >= data.length, "the blob is stored: " + first);

        Restic.Summary second = restic.backup(repository, "first-password-of-the-repository", work.resolve("ve"), "node1", List.of("ve=101"), p -> { });
        assertEquals(0, second.filesNew() + second.filesChanged(), second.toString());
        assertTrue(second.dataAdded() < 64 * 1024, "an unchanged tree stores next to nothing: " + second);

        // the recovery key opens the same repository; snapshots carry Vessel's tags
        List<Snapshot> all = restic.snapshots(repository, "the-providers-recovery-key", List.of());
        assertEquals(2, all.size());
        assertEquals(List.of("by=admin", "ve=101"), all.get(0).tags().stream().sorted().toList());
        assertEquals(first.snapshotId(), all.get(0).id());
        assertEquals(1, restic.snapshots(repository, "first-password-of-the-repository", List.of("ve=101", "by=admin")).size());
        assertTrue(restic.storedBytes(repository, "first-password-of-the-repository") >= data.length);

        restic.forget(repository, "first-password-of-the-repository", List.of(first.snapshotId()));
        assertEquals(List.of(second.snapshotId()), restic.snapshots(repository, "first-password-of-the-repository", List.of()).stream().map(Snapshot::id).toList());
    }

    @Test
    void resticGetsItsCollectorSettingsAndACpuCountOnlyWhenCapped() throws Exception {
        // a stand-in restic that writes down the environment it was given
        Path seen = work.resolve("env.txt");
        Path fake = work.resolve("fake-restic");
        Files.writeString(fake, "#!/bin/sh\nenv > " + seen + "\n");
        fake.toFile().setExecutable(true);
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-a");

        new Restic(fake.toString(), Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(1), 0).init(repository, "a-password");
        List<String> uncapped = Files.readAllLines(seen);
        assertTrue(uncapped.contains("GOGC=400"), uncapped.toString());
        assertTrue(uncapped.contains("GOMEMLIMIT=1GiB"), uncapped.toString());
        assertTrue(uncapped.stream().noneMatch(l -> l.startsWith("GOMAXPROCS=")), "backup.cpus 0: no GOMAXPROCS, restic may use every CPU");

        new Restic(fake.toString(), Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(1), 1).init(repository, "a-password");
        assertTrue(Files.readAllLines(seen).contains("GOMAXPROCS=1"));
    }

    @Test
    void aWrongPasswordFailsSayingWhyWithoutShowingIt() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-b");
        restic.init(repository, "the-right-password-123");
        Restic.ResticException wrong = assertThrows(Restic.ResticException.class,
                () -> restic.snapshots(repository, "a-wrong-password-456", List.of()));
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("a-wrong-password-456"));
        Restic.ResticException missing = assertThrows(Restic.ResticException.class, () -> restic.backup(repository, "the-right-password-123",
                work.resolve("no-such-tree"), "node1", List.of(), p -> { }));
        assertTrue(missing.getMessage().contains("no-such-tree"), missing.getMessage());
    }

    @Test
    void tenantsAreDirectoriesNeverPaths() {
        LocalDirectoryTarget target = new LocalDirectoryTarget("local", work.resolve("repos"), null);
        assertThrows(IllegalArgumentException.class, () -> target.repository("../other"));
        assertThrows(IllegalArgumentException.class, () -> target.repository("a/b"));
        assertTrue(target.health().reachable());
    }

    /** Each tenant's repository has a password of its own: one tenant's does not open another's (the provider's recovery key opens both). */
    @Test
    void oneTenantsKeyDoesNotOpenAnothersRepository() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        RepositoryKeys keys = RepositoryKeys.at(work.resolve("keys/backup-master.key"));
        LocalDirectoryTarget target = new LocalDirectoryTarget("local", work.resolve("repos"), null);
        BackupTarget.Repository a = target.repository("tenant-a");
        BackupTarget.Repository b = target.repository("tenant-b");
        String passwordA = keys.newPassword();
        String passwordB = keys.newPassword();
        for (var repo : List.of(java.util.Map.entry(a, passwordA), java.util.Map.entry(b, passwordB))) {
            restic.init(repo.getKey(), repo.getValue());
            restic.addKey(repo.getKey(), repo.getValue(), "the-providers-recovery-key");
        }
        Files.writeString(Files.createDirectories(work.resolve("ve-b")).resolve("secret"), "b's data");
        restic.backup(b, passwordB, work.resolve("ve-b"), "vessel", List.of("ve=2"), p -> { });
        Restic.ResticException refused = assertThrows(Restic.ResticException.class, () -> restic.snapshots(b, passwordA, List.of()));
        assertTrue(refused.getMessage().contains("wrong password"), refused.getMessage());
        assertEquals(1, restic.snapshots(b, "the-providers-recovery-key", List.of()).size());
        assertEquals(0, restic.snapshots(a, passwordA, List.of()).size());
    }

    /**
     * A schedule's retention over a simulated year: snapshots every 29 days through 2025 (and three on its last day),
     * made with restic's own clock option, then forgotten by the policy "7 daily, 4 weekly, 12 monthly, 2 yearly".
     * What stays is what restic's documented rules keep (the newest in each of the last n days, ISO weeks, months,
     * years that have one, each rule on its own), worked out here independently.
     */
    @Test
    void aYearOfBackupsKeepsWhatTheRetentionSays() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-y");
        String password = "a-year-of-backups-password";
        restic.init(repository, password);
        Path tree = Files.createDirectories(work.resolve("ve"));
        List<java.time.LocalDateTime> times = new ArrayList<>();
        for (java.time.LocalDateTime t = java.time.LocalDateTime.of(2025, 1, 1, 12, 0); t.getYear() == 2025; t = t.plusDays(29)) {
            times.add(t);
        }
        java.time.LocalDate lastDay = times.get(times.size() - 1).toLocalDate();
        for (int hour : new int[] {13, 14, 15}) {
            times.add(lastDay.atTime(hour, 0));
        }
        java.time.format.DateTimeFormatter format = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
        Files.writeString(tree.resolve("day"), "a day of 2025");
        // two at a time (restic's backups share a repository's lock): each opens the repository with its key
        // derivation, about a second of CPU, and this is a unit test
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<String>> made = new ArrayList<>();
            for (java.time.LocalDateTime t : times) {
                made.add(two.submit(() -> {
                    ProcessBuilder backup = new ProcessBuilder("restic", "--repo", repository.location(), "--no-cache", "backup", "--quiet", "--tag",
                            "ve=7", "--host", "vessel", "--time", t.format(format), ".").directory(tree.toFile()).redirectErrorStream(true);
                    backup.environment().put("RESTIC_PASSWORD", password);
                    Process p = backup.start();
                    String out = new String(p.getInputStream().readAllBytes());
                    return p.waitFor() == 0 ? null : out;
                }));
            }
            for (java.util.concurrent.Future<String> backup : made) {
                assertEquals(null, backup.get(), "restic backup failed");
            }
        } finally {
            two.shutdownNow();
        }
        Retention keep = new Retention(0, 0, 7, 4, 12, 2);
        List<String> left = restic.forget(repository, password, List.of("ve=7"), keep);

        java.util.Set<String> kept = new java.util.TreeSet<>();
        for (Snapshot s : restic.snapshots(repository, password, List.of("ve=7"))) {
            assertTrue(left.contains(s.id()));
            kept.add(java.time.LocalDateTime.ofInstant(s.time(), java.time.ZoneId.systemDefault()).format(format));
        }
        java.util.Set<String> expected = new java.util.TreeSet<>();
        List<java.time.LocalDateTime> newestFirst = new ArrayList<>(times);
        java.util.Collections.reverse(newestFirst);
        keepNewestPerBucket(newestFirst, 7, t -> t.toLocalDate().toString(), expected, format);
        keepNewestPerBucket(newestFirst, 4, t -> t.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR) + "-"
                + t.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR), expected, format);
        keepNewestPerBucket(newestFirst, 12, t -> t.getYear() + "-" + t.getMonthValue(), expected, format);
        keepNewestPerBucket(newestFirst, 2, t -> Integer.toString(t.getYear()), expected, format);
        assertEquals(expected, kept);
    }

    private static void keepNewestPerBucket(List<java.time.LocalDateTime> newestFirst, int n, java.util.function.Function<java.time.LocalDateTime, String> bucket,
                                            java.util.Set<String> kept, java.time.format.DateTimeFormatter format) {
        String last = null;
        for (java.time.LocalDateTime t : newestFirst) {
            String b = bucket.apply(t);
            if (n > 0 && !b.equals(last)) {
                kept.add(t.format(format));
                last = b;
                n--;
            }
        }
    }
}
