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
}
