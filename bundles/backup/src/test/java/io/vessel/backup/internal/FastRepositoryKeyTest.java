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
}
