package io.vessel.backup.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Repository passwords: made by Vessel (256 random bits each), stored in the database only sealed with a master key
 * that lives outside it — a file of the installation's {@code conf/}, mode 0600, made at first use — so a copy of the
 * database alone opens no backup. Sealed with AES-256-GCM, the repository's identity as associated data: a sealed
 * password copied onto another repository's row does not open.
 */
final class RepositoryKeys {

    private static final int NONCE = 12;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final SecretKeySpec master;
    private final SecureRandom random = new SecureRandom();

    private RepositoryKeys(byte[] master) {
        this.master = new SecretKeySpec(master, "AES");
    }

    /**
     * The master key in {@code file}, made there (mode 0600, never readable by anyone else) when there is none; a
     * key file others may read is refused rather than used: it would have to be considered known.
     */
    static RepositoryKeys at(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.write(file, Base64.getEncoder().encode(fresh));
            } catch (FileAlreadyExistsException e) {
                // made at the same moment by another start: read it below
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(mode)) {
            throw new IOException("The backup master key " + file + " may be read by others (" + PosixFilePermissions.toString(mode)
                    + "); make it 0600 (chmod 600) and consider it known: rotate the repository keys.");
        }
        byte[] key = Base64.getDecoder().decode(Files.readString(file).strip());
        if (key.length != 32) {
            throw new IOException("The backup master key " + file + " is not a 256-bit key.");
        }
        return new RepositoryKeys(key);
    }

    /** A new repository password: 256 random bits, URL-safe Base64. */
    String newPassword() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** {@code password} sealed for the repository named {@code repository} (e.g. its target and tenant). */
    String seal(String password, String repository) {
        try {
            byte[] nonce = new byte[NONCE];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(repository.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /** The password sealed for {@code repository}; {@link IllegalArgumentException} when it was sealed for another or altered. */
    String open(String sealed, String repository) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, all, 0, NONCE));
            cipher.updateAAD(repository.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(all, NONCE, all.length - NONCE), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("the sealed password does not belong to repository " + repository + " or was altered");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the sealed password of repository " + repository + " is not readable: " + e.getMessage());
        }
    }
}
