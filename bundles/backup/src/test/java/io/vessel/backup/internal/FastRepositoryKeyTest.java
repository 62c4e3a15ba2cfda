package io.vessel.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.backup.api.BackupTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The panel's own key file, written by Vessel in restic's format, against Debian's real restic. */
class FastRepositoryKeyTest {

    @TempDir
    Path work;

    @Test
    void resticOpensTheRepositoryWithTheCheapKeyAndTheRecoveryKeyStaysAsItWas() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-a");
        String password = new String(new char[43]).replace('\0', 'p'); // as long as the panel's (256 bits, Base64)
        restic.init(repository, password);
        String initial = restic.keyId(repository, password);
        restic.addKey(repository, password, "the-providers-recovery-key");
        Path keys = Path.of(repository.location(), "keys");
        Path recovery;
        try (var files = Files.list(keys)) {
            recovery = files.filter(f -> !f.getFileName().toString().startsWith(initial)).findFirst().orElseThrow();
        }
        String recoveryBefore = Files.readString(recovery);

        String fast = FastRepositoryKey.replace(Path.of(repository.location()), initial, password);

        try (var files = Files.list(keys)) {
            assertEquals(2, files.count(), "the old key replaced, not added to");
        }
        assertEquals(FastRepositoryKey.N, new ObjectMapper().readTree(keys.resolve(fast).toFile()).get("N").asInt());
        assertEquals(Files.getPosixFilePermissions(recovery), Files.getPosixFilePermissions(keys.resolve(fast)));
        assertTrue(fast.startsWith(restic.keyId(repository, password)), "restic opens the repository with the new key");
        restic.hintKey(repository.location(), fast.substring(0, 8));
        assertEquals(List.of(), restic.snapshots(repository, password, List.of()));
        assertEquals(List.of(), restic.snapshots(repository, "the-providers-recovery-key", List.of()), "the recovery key opens it too");
        assertEquals(recoveryBefore, Files.readString(recovery), "the recovery key is restic's own, untouched");
        // restic's own check of the repository's structure finds nothing wrong with it
        restic.check(repository, password, "100%");
    }

    @Test
    void aWrongPasswordChangesNothing() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-b");
        restic.init(repository, "the-right-password-of-the-repository");
        String initial = restic.keyId(repository, "the-right-password-of-the-repository");

        IOException refused = assertThrows(IOException.class,
                () -> FastRepositoryKey.replace(Path.of(repository.location()), initial, "a-wrong-password"));
        assertTrue(refused.getMessage().contains("does not open"), refused.getMessage());
        try (var files = Files.list(Path.of(repository.location(), "keys"))) {
            List<String> left = files.map(f -> f.getFileName().toString()).toList();
            assertEquals(1, left.size());
            assertTrue(left.get(0).startsWith(initial));
            assertFalse(left.get(0).endsWith(".tmp"));
        }
        assertEquals(initial, restic.keyId(repository, "the-right-password-of-the-repository"));
    }

    /**
     * A repository made before the panel wrote its own key (restic's costly key recorded) gets the cheap one at its next
     * backup, once; a record that names no key (a stop after the rename, before the record) finds the key again.
     */
    @Test
    void anOlderRepositoryGetsTheCheapKeyOnceAndAStaleRecordFindsIt() throws Exception {
        Restic restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        BackupTarget.Repository repository = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-c");
        String password = new String(new char[43]).replace('\0', 'q');
        restic.init(repository, password);
        String recorded = restic.keyId(repository, password);
        restic.addKey(repository, password, "the-providers-recovery-key");
        Path directory = Path.of(repository.location());

        String cheap = FastRepositoryKey.ensure(FastRepositoryKey.local(directory), recorded, password);
        assertFalse(cheap.startsWith(recorded), "restic's costly key is written anew");
        assertEquals(FastRepositoryKey.N, new ObjectMapper().readTree(directory.resolve("keys").resolve(cheap).toFile()).get("N").asInt());
        List<String> keysAfter = keyNames(directory);
        assertEquals(2, keysAfter.size(), keysAfter.toString());

        assertEquals(cheap, FastRepositoryKey.ensure(FastRepositoryKey.local(directory), cheap.substring(0, 8), password), "a cheap key stays as it is");
        assertEquals(keysAfter, keyNames(directory));
        assertEquals(cheap, FastRepositoryKey.ensure(FastRepositoryKey.local(directory), recorded, password), "the stale record finds the cheap key");
        assertEquals(keysAfter, keyNames(directory));
        restic.hintKey(repository.location(), cheap.substring(0, 8));
        assertEquals(List.of(), restic.snapshots(repository, password, List.of()));
        assertEquals(List.of(), restic.snapshots(repository, "the-providers-recovery-key", List.of()));

        // a record naming no key where the only key of the password is restic's costly one: that one is found and replaced
        BackupTarget.Repository other = new LocalDirectoryTarget("local", work.resolve("repos"), null).repository("tenant-d");
        restic.init(other, password);
        String written = FastRepositoryKey.ensure(FastRepositoryKey.local(Path.of(other.location())), "0123abcd", password);
        assertEquals(List.of(written), keyNames(Path.of(other.location())));
        assertTrue(written.startsWith(restic.keyId(other, password)));
        IOException none = assertThrows(IOException.class, () -> FastRepositoryKey.ensure(FastRepositoryKey.local(Path.of(other.location())), "0123abcd", "not-the-password"));
        assertTrue(none.getMessage().contains("no key"), none.getMessage());
    }

    private static List<String> keyNames(Path repository) throws IOException {
        try (var files = Files.list(repository.resolve("keys"))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
