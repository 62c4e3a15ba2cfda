package io.vessel.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code lib/empty-database.zip}: the embedded database as the panel's migrations leave it, made by the build's
 * training start ({@link CdsTraining}), which a first start copies instead of migrating a new database script by
 * script (the persistence bundle does the copying, and only for the default embedded database).
 *
 * <p>It fits only the bundles it was made with: its stamp ({@code .stamp} beside it) is a digest of the names of the
 * jars in {@code bundle/} and of every migration script in them (name, size, CRC, read from each jar's directory,
 * nothing decompressed). A distribution whose bundles or scripts changed since, or a stamp that is missing, means no
 * template: the migrations run as they always did.
 */
final class EmptyDatabaseTemplate {

    static final String FILE_NAME = "empty-database.zip";
    private static final String MIGRATIONS = "db/migration/";

    private EmptyDatabaseTemplate() {
    }

    static Path file(Path home) {
        return home.resolve("lib").resolve(FILE_NAME);
    }

    static Path stamp(Path template) {
        return template.resolveSibling(template.getFileName() + ".stamp");
    }

    /** The template, when there is one and it fits the bundles under {@code home}. */
    static Optional<Path> usable(Path home) {
        Path template = file(home);
        Path stamp = stamp(template);
        if (!Files.isRegularFile(template) || !Files.isRegularFile(stamp)) {
            return Optional.empty();
        }
        try {
            return Files.readString(stamp, StandardCharsets.US_ASCII).strip().equals(fingerprint(home.resolve("bundle")))
                    ? Optional.of(template) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes the stamp of a template just made for the bundles under {@code home}. */
    static void stampFor(Path home, Path template) throws IOException {
        Files.writeString(stamp(template), fingerprint(home.resolve("bundle")) + "\n", StandardCharsets.US_ASCII);
    }

    static String fingerprint(Path bundles) throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(bundles, "*.jar")) {
            dir.forEach(jars::add);
        }
        Collections.sort(jars);
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path jar : jars) {
            digest.update((jar.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
            List<String> scripts = new ArrayList<>();
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry entry : Collections.list(zip.entries())) {
                    if (entry.getName().startsWith(MIGRATIONS) && !entry.isDirectory()) {
                        scripts.add(entry.getName() + " " + entry.getSize() + " " + Long.toHexString(entry.getCrc()));
                    }
                }
            }
            Collections.sort(scripts);
            for (String script : scripts) {
                digest.update(("  " + script + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
