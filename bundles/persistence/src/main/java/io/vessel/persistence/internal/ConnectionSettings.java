package io.vessel.persistence.internal;

import java.nio.file.Path;

/**
 * Where the database is and how to log in. An empty URL means the embedded H2 database under the data directory.
 */
record ConnectionSettings(String url, String user, String password, String schema, int poolSize, boolean embedded) {

    /**
     * H2's {@code retry:} file system: a thread interrupted while H2 writes (a plugin's task cancelled at its time
     * limit in the middle of its bookkeeping) closes the FileChannel, and H2 then closed the whole database, failing
     * every later request until a restart. This wrapper, H2's own, opens the file again and repeats the operation.
     * {@link PersistenceEngine} also keeps an interrupt that is pending when a transaction starts away from it.
     */
    static final String EMBEDDED_PREFIX = "jdbc:h2:retry:";

    /**
     * WRITE_DELAY=0: H2 otherwise writes committed transactions in the background up to a second later, and a
     * kill -9 of the panel would lose them (found by VeLifecycleIT: a VE created just before the crash vanished).
     */
    static final String EMBEDDED_OPTIONS = ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";

    static ConnectionSettings of(String url, String user, String password, String schema, int poolSize, Path dataDir) {
        String trimmedUrl = url == null ? "" : url.trim();
        boolean embedded = trimmedUrl.isEmpty();
        if (embedded) {
            Path file = embeddedFile(dataDir);
            trimmedUrl = EMBEDDED_PREFIX + file + EMBEDDED_OPTIONS;
            user = user == null || user.isBlank() ? "vessel" : user;
        } else if (!trimmedUrl.startsWith("jdbc:postgresql:") && !trimmedUrl.startsWith("jdbc:h2:")) {
            throw new DatabaseUnavailableException("unsupported database URL '" + redact(trimmedUrl)
                    + "': Vessel supports PostgreSQL (jdbc:postgresql://host:port/db) or, left empty, the embedded database");
        }
        if (schema != null && !schema.isBlank() && !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new DatabaseUnavailableException("invalid database schema name '" + schema
                    + "': use letters, digits and underscores, starting with a letter");
        }
        if (poolSize < 1 || poolSize > 500) {
            throw new DatabaseUnavailableException("database pool size must be between 1 and 500, not " + poolSize);
        }
        return new ConnectionSettings(trimmedUrl, user == null ? "" : user, password == null ? "" : password,
                schema == null || schema.isBlank() ? null : schema, poolSize, embedded);
    }

    /** The embedded database under the data directory, as H2 names it (without its {@code .mv.db} suffix). */
    static Path embeddedFile(Path dataDir) {
        return dataDir.resolve("db").resolve("vessel").toAbsolutePath();
    }

    boolean isPostgres() {
        return url.startsWith("jdbc:postgresql:");
    }

    /** The URL as safe to log or show: drops a password given as URL parameter. */
    String redactedUrl() {
        return redact(url);
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public String toString() {
        return "ConnectionSettings[url=" + redactedUrl() + ", user=" + user + ", schema=" + schema + "]";
    }
}
