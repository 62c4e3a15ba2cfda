package io.vessel.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * {@code ~/.config/vessel/cli.conf}: where {@code vesselctl login} keeps the panel's URL, the API token it made and
 * the certificate fingerprint it was told to trust. Written 0600 in a 0700 directory (the token is a credential),
 * through a new file moved into place, so a crash never leaves half a profile.
 */
record Profile(String url, String token, String fingerprint, String tokenId) {

    static final Profile NONE = new Profile(null, null, null, null);

    static Path defaultPath() {
        String config = System.getenv("XDG_CONFIG_HOME");
        Path base = config != null && !config.isBlank() ? Path.of(config) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("vessel").resolve("cli.conf");
    }

    static Profile read(Path file) {
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot read " + file + ": " + e.getMessage());
        }
        return new Profile(blankToNull(p.getProperty("url")), blankToNull(p.getProperty("token")), blankToNull(p.getProperty("fingerprint")),
                blankToNull(p.getProperty("token.id")));
    }

    void write(Path file) {
        Properties p = new Properties();
        if (url != null) {
            p.setProperty("url", url);
        }
        if (token != null) {
            p.setProperty("token", token);
        }
        if (fingerprint != null) {
            p.setProperty("fingerprint", fingerprint);
        }
        if (tokenId != null) {
            p.setProperty("token.id", tokenId);
        }
        try {
            Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path temporary = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer out = Files.newBufferedWriter(temporary, StandardOpenOption.TRUNCATE_EXISTING)) {
                p.store(out, "vesselctl profile (vesselctl login); the token is a credential: keep this file private");
            }
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot write " + file + ": " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
