package io.vessel.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repository passwords sealed with the master key: readable only for their repository, the key file the owner's alone. */
class RepositoryKeysTest {

    @TempDir
    Path work;

    @Test
    void sealsForOneRepositoryWithAKeyOnlyTheOwnerReads() throws Exception {
        Path file = work.resolve("conf/backup-master.key");
        RepositoryKeys keys = RepositoryKeys.at(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String password = keys.newPassword();
        assertTrue(password.length() >= 43, "256 bits");
        String sealed = keys.seal(password, "local/tenant-a");
        assertNotEquals(sealed, keys.seal(password, "local/tenant-a"), "a fresh nonce each time");
        assertEquals(password, RepositoryKeys.at(file).open(sealed, "local/tenant-a"), "the same key after a restart");
        assertThrows(IllegalArgumentException.class, () -> keys.open(sealed, "local/tenant-b"), "not another repository's");
        char[] altered = sealed.toCharArray();
        altered[20] = altered[20] == 'A' ? 'B' : 'A';
        assertThrows(IllegalArgumentException.class, () -> keys.open(new String(altered), "local/tenant-a"));
    }

    @Test
    void refusesAKeyFileOthersMayRead() throws Exception {
        Path file = work.resolve("backup-master.key");
        RepositoryKeys.at(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IOException refused = assertThrows(IOException.class, () -> RepositoryKeys.at(file));
        assertTrue(refused.getMessage().contains("chmod 600"), refused.getMessage());
    }
}
