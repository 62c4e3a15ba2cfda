package io.vessel.persistence.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The distribution's empty database: the embedded database as the panel's own migrations leave it, before anything
 * else is written (schema, migration history, what migrations insert), made once at build time by the training start
 * ({@code H2 BACKUP TO}, a zip of the database file). A first start copies it instead of running every module's
 * migrations one by one on a fresh database, about a second of the first start's critical path. The migrations still
 * run afterwards as at every start: they find their scripts applied, with the same checksums, and apply whatever the
 * template lacks (a plugin's share); a template from another build never reaches this class, since the launcher
 * passes it on only while its stamp matches the migration scripts of the bundles it starts.
 */
final class EmptyDatabase {

    /** H2's file of {@code <dataDir>/db/vessel}, the one entry of the template's zip that is used. */
    static final String FILE_NAME = "vessel.mv.db";

    private EmptyDatabase() {
    }

    /**
     * Makes the embedded database from {@code template} when there is none yet and the settings are the defaults the
     * template was made with (its only user is {@code vessel}, without password, on the default schema). Answers
     * whether it did; anything unusual (another database, a file already there) leaves everything as it is.
     */
    static boolean seed(ConnectionSettings settings, Path dataDir, Path template) throws IOException {
        if (template == null || !settings.embedded() || !"vessel".equals(settings.user()) || !settings.password().isEmpty()
                || settings.schema() != null) {
            return false;
        }
        Path base = ConnectionSettings.embeddedFile(dataDir);
        Path file = base.resolveSibling(FILE_NAME);
        if (Files.exists(file) || Files.exists(base.resolveSibling("vessel.h2.db"))) {
            return false;
        }
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(FILE_NAME + ".seeding");
        try (ZipFile zip = new ZipFile(template.toFile())) {
            ZipEntry entry = zip.getEntry(FILE_NAME);
            if (entry == null) {
                return false;
            }
            try (InputStream in = zip.getInputStream(entry)) {
                // a name of our own next to the database, moved in whole: a crash never leaves half a database behind
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /**
     * Writes the template: H2's online copy of the database ({@code BACKUP TO}), compacted (a database that went
     * through every migration is mostly superseded pages: 19 MB, against 53 KB compacted, that every first start
     * would copy), as a zip holding {@value #FILE_NAME}.
     */
    static void write(PersistenceEngine engine, Path out) throws IOException {
        ConnectionSettings settings = engine.settings();
        Path work = Files.createTempDirectory(out.toAbsolutePath().getParent(), "empty-database-");
        try {
            Path backup = work.resolve("backup.zip");
            engine.dumpTo(backup);
            Path file = work.resolve(FILE_NAME);
            try (ZipFile zip = new ZipFile(backup.toFile()); InputStream in = zip.getInputStream(zip.getEntry(FILE_NAME))) {
                Files.copy(in, file);
            }
            org.h2.jdbcx.JdbcDataSource copy = new org.h2.jdbcx.JdbcDataSource();
            copy.setURL("jdbc:h2:file:" + work.resolve("vessel"));
            copy.setUser(settings.user());
            copy.setPassword(settings.password());
            try (java.sql.Connection c = copy.getConnection(); java.sql.Statement s = c.createStatement()) {
                s.execute("SHUTDOWN COMPACT");
            } catch (java.sql.SQLException e) {
                throw new IOException("the copy could not be compacted: " + e.getMessage(), e);
            }
            Path partial = out.resolveSibling(out.getFileName() + ".partial");
            try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(partial))) {
                zip.putNextEntry(new ZipEntry(FILE_NAME));
                Files.copy(file, zip);
                zip.closeEntry();
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
