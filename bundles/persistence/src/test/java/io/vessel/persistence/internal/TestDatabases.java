package io.vessel.persistence.internal;

import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.PersistenceContribution;
import java.nio.file.Path;
import java.util.List;

/**
 * Real databases for other modules' tests (this module's test jar): the embedded default in a data directory of the
 * test's, or PostgreSQL in a schema of the test's, with the given modules' tables migrated as a panel would.
 */
public final class TestDatabases {

    private TestDatabases() {
    }

    /** The embedded database under {@code dataDir}; close it with {@link #close}. */
    public static Database embedded(Path dataDir, PersistenceContribution... modules) {
        return started(ConnectionSettings.of("", "", "", "", 4, dataDir), modules);
    }

    /** PostgreSQL on 127.0.0.1:5432 in schema {@code schema} (made if missing); close it with {@link #close}. */
    public static Database postgres(String schema, Path dataDir, PersistenceContribution... modules) {
        return started(ConnectionSettings.of(PersistenceRoundTripIT.PG_URL, PersistenceRoundTripIT.PG_USER, "", schema, 4, dataDir), modules);
    }

    private static Database started(ConnectionSettings settings, PersistenceContribution... modules) {
        PersistenceEngine engine = PersistenceEngine.start(settings);
        engine.apply(List.of(modules));
        return engine;
    }

    public static void close(Database database) {
        ((PersistenceEngine) database).close();
    }

    /** Drops a schema {@link #postgres} made. */
    public static void dropSchema(String schema) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PersistenceRoundTripIT.PG_URL, PersistenceRoundTripIT.PG_USER, "");
             java.sql.Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
