package io.vessel.persistence.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies versioned SQL migrations and records them in {@code vessel_schema_history}, one row per module and
 * version with the script's checksum.
 */
final class MigrationRunner {

    static final String HISTORY_TABLE = "vessel_schema_history";
    /** Key of the PostgreSQL advisory lock that keeps two panels from migrating the same schema at once. */
    private static final long MIGRATION_LOCK_KEY = 0x7e55e1L;

    private static final Logger LOG = LoggerFactory.getLogger(MigrationRunner.class);

    private final ConnectionPool pool;
    private final boolean postgres;

    MigrationRunner(ConnectionPool pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
    }

    /** Applies the scripts not yet recorded; returns how many ran. Scripts must be sorted by version. */
    int migrate(String module, List<MigrationScript> scripts) {
        try (Connection c = pool.connection()) {
            c.setAutoCommit(false);
            lock(c);
            try {
                ensureHistoryTable(c);
                Map<Integer, Applied> applied = applied(c, module);
                refuseDowngrade(module, applied, scripts);
                int count = 0;
                for (MigrationScript script : scripts) {
                    String checksum = applied.containsKey(script.version()) ? applied.get(script.version()).checksum() : null;
                    if (checksum != null) {
                        if (!checksum.equals(script.checksum())) {
                            throw new DatabaseUnavailableException("migration " + module + " V" + script.version()
                                    + " was changed after it was applied; add a new migration instead of editing it");
                        }
                        continue;
                    }
                    apply(c, script);
                    count++;
                }
                return count;
            } finally {
                unlock(c);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("cannot migrate module '" + module + "': "
                    + ConnectionPool.firstLine(e.getMessage()), e);
        }
    }

    /**
     * For a process that may not migrate (a node agent): the database must hold every script this version has, with
     * the same checksums; newer ones are judged as {@link #refuseDowngrade} does. Nothing is written.
     */
    void verify(String module, List<MigrationScript> scripts) {
        Map<Integer, Applied> applied;
        try (Connection c = pool.connection()) {
            applied = applied(c, module);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("cannot read the migrations of module '" + module + "': "
                    + ConnectionPool.firstLine(e.getMessage()), e);
        }
        refuseDowngrade(module, applied, scripts);
        for (MigrationScript script : scripts) {
            Applied done = applied.get(script.version());
            if (done == null) {
                throw new IllegalStateException("the database lacks migration " + module + " V" + script.version() + " ("
                        + script.description() + ") that this version needs; a node agent does not migrate: upgrade a panel first, it migrates the database");
            }
            if (!done.checksum().equals(script.checksum())) {
                throw new IllegalStateException("migration " + module + " V" + script.version()
                        + " in the database differs from this version's; this node agent and the panels run different builds of the same version");
            }
        }
    }

    /** A script recorded as applied: its checksum, and whether it only expanded the schema (null: recorded before that was kept). */
    record Applied(String checksum, Boolean expandsOnly) {
    }

    /**
     * A database a newer Vessel (or a newer version of a plugin) migrated is refused rather than used: this version's
     * code does not know what it would read and write, and nothing it did could be undone by migrating back. Except
     * when every newer script only expanded the schema (a rolling upgrade: the first upgraded panel migrated, the
     * others follow one by one): then this code still works on it, and says so.
     */
    static void refuseDowngrade(String module, Map<Integer, Applied> applied, List<MigrationScript> scripts) {
        int known = scripts.stream().mapToInt(MigrationScript::version).max().orElse(0);
        List<Integer> newer = applied.keySet().stream().filter(v -> v > known).sorted().toList();
        if (newer.isEmpty()) {
            return;
        }
        int newest = newer.get(newer.size() - 1);
        Integer contract = newer.stream().filter(v -> !Boolean.TRUE.equals(applied.get(v).expandsOnly())).findFirst().orElse(null);
        if (contract == null) {
            LOG.warn("The database was migrated by a newer Vessel module={} at=V{} known=V{}: every newer script only expands the schema, so "
                    + "this version works on it during a rolling upgrade; upgrade it soon", module, newest, known);
            return;
        }
        // not a database outage: a module failure, so a downgraded plugin is left out and the rest maps, while the
        // panel's own modules stop the start with this message
        throw new IllegalStateException("the database was migrated by a newer Vessel (module " + module + " is at V" + newest
                + ", this version knows up to V" + known + "; V" + contract + " changed what this version reads"
                + "); downgrades are not supported: install the newer version again, or restore the database backup made before the upgrade");
    }

    private void apply(Connection c, MigrationScript script) throws SQLException {
        long started = System.nanoTime();
        try (Statement s = c.createStatement()) {
            for (String sql : SqlStatements.split(script.sql())) {
                s.execute(sql);
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + HISTORY_TABLE
                    + " (module, version, description, checksum, applied_at, expands_only) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, script.module());
                insert.setInt(2, script.version());
                insert.setString(3, script.description());
                insert.setString(4, script.checksum());
                insert.setTimestamp(5, Timestamp.from(Instant.now()));
                insert.setBoolean(6, script.expandsOnly());
                insert.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw new DatabaseUnavailableException("migration " + script.module() + " V" + script.version() + " ("
                    + script.description() + ") failed: " + ConnectionPool.firstLine(e.getMessage()), e);
        }
        LOG.info("Applied migration module={} version={} description=\"{}\" tookMs={}", script.module(),
                script.version(), script.description(), (System.nanoTime() - started) / 1_000_000);
    }

    /** Drops the module's tables (last created first) and its history rows, in one transaction where the database allows. */
    void purge(String module, List<String> tables) {
        for (String table : tables) {
            if (!table.matches("[A-Za-z_][A-Za-z0-9_]{0,62}") || table.equalsIgnoreCase(HISTORY_TABLE)) {
                throw new IllegalArgumentException("'" + table + "' is not a table a module may drop");
            }
        }
        try (Connection c = pool.connection()) {
            c.setAutoCommit(false);
            lock(c);
            try (Statement s = c.createStatement()) {
                List<String> reversed = new java.util.ArrayList<>(tables);
                java.util.Collections.reverse(reversed);
                for (String table : reversed) {
                    s.execute("DROP TABLE IF EXISTS " + table + " CASCADE");
                }
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + HISTORY_TABLE + " WHERE module = ?")) {
                    delete.setString(1, module);
                    delete.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new DatabaseUnavailableException("purging module '" + module + "' failed: " + ConnectionPool.firstLine(e.getMessage()), e);
            } finally {
                unlock(c);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("purging module '" + module + "' failed: " + ConnectionPool.firstLine(e.getMessage()), e);
        }
        LOG.info("Module purged module={} tables={}", module, tables);
    }

    private void ensureHistoryTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + HISTORY_TABLE + " ("
                    + "module varchar(100) NOT NULL, version integer NOT NULL, description varchar(200) NOT NULL, "
                    + "checksum varchar(64) NOT NULL, applied_at timestamp NOT NULL, PRIMARY KEY (module, version))");
            // whether older code still works after the script (expand-then-contract); unknown for rows written before
            s.execute("ALTER TABLE " + HISTORY_TABLE + " ADD COLUMN IF NOT EXISTS expands_only boolean");
        }
        c.commit();
    }

    private Map<Integer, Applied> applied(Connection c, String module) throws SQLException {
        Map<Integer, Applied> applied = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT version, checksum, expands_only FROM " + HISTORY_TABLE + " WHERE module = ?")) {
            q.setString(1, module);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    boolean expands = rs.getBoolean(3);
                    applied.put(rs.getInt(1), new Applied(rs.getString(2), rs.wasNull() ? null : expands));
                }
            }
        }
        c.commit();
        return applied;
    }

    private void lock(Connection c) throws SQLException {
        if (postgres) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK_KEY + ")");
            }
        }
    }

    private void unlock(Connection c) throws SQLException {
        if (postgres) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK_KEY + ")");
            }
            c.commit();
        }
    }
}
