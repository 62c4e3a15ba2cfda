package io.vessel.backup.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The provider's recovery password: a second key of every repository ({@code restic key add}), so that the provider
 * can restore any tenant's backups with plain restic when the panel, its database and its master key are lost. Made
 * at first use in {@code keys/backup-recovery.key} (mode 0600); the provider copies it somewhere safe, off this
 * machine (docs/backups.md says how to use it).
 */
final class RecoveryKey {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private RecoveryKey() {
    }

    static String at(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + "\n");
            } catch (FileAlreadyExistsException e) {
                // made at the same moment by another start
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(mode)) {
            throw new IOException("The backup recovery key " + file + " may be read by others (" + PosixFilePermissions.toString(mode)
                    + "); make it 0600 (chmod 600).");
        }
        String password = Files.readString(file).strip();
        if (password.length() < 20) {
            throw new IOException("The backup recovery key " + file + " is too short to be one Vessel made.");
        }
        return password;
    }
}
