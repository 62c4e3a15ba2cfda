package io.vessel.persistence.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JDBC connection pool. Drivers are instantiated directly rather than looked up through
 * {@link java.sql.DriverManager}, which cannot see drivers that live in other OSGi bundles.
 */
final class ConnectionPool implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final ConnectionSettings settings;

    private ConnectionPool(HikariDataSource dataSource, ConnectionSettings settings) {
        this.dataSource = dataSource;
        this.settings = settings;
    }

    static ConnectionPool open(ConnectionSettings settings) {
        return open(settings, true);
    }

    /** With {@code makesSchema} false (a node agent's role may not create anything) the schema must exist already. */
    static ConnectionPool open(ConnectionSettings settings, boolean makesSchema) {
        if (settings.schema() != null && makesSchema) {
            createSchema(settings);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("vessel-db");
        config.setDataSource(vendorDataSource(settings));
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(1);
        config.setAutoCommit(false);
        if (settings.schema() != null && !settings.isPostgres()) {
            // PostgreSQL gets the schema as a connection start-up parameter instead: Hikari's setSchema issues a
            // SET search_path inside the first transaction, which the first rollback silently undoes.
            config.setSchema(settings.schema());
        }
        try {
            return new ConnectionPool(new HikariDataSource(config), settings);
        } catch (HikariPool.PoolInitializationException e) {
            throw unavailable(settings, e.getCause() != null ? e.getCause() : e);
        } catch (RuntimeException e) {
            throw unavailable(settings, e);
        }
    }

    /** Creates the configured schema first, so tests and tenants of a shared server can keep to their own. */
    private static void createSchema(ConnectionSettings settings) {
        try (Connection c = vendorDataSource(settings).getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + settings.schema());
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw unavailable(settings, e);
        }
    }

    private static DataSource vendorDataSource(ConnectionSettings settings) {
        if (settings.isPostgres()) {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(settings.url());
            if (!settings.user().isEmpty()) {
                pg.setUser(settings.user());
            }
            if (!settings.password().isEmpty()) {
                pg.setPassword(settings.password());
            }
            pg.setConnectTimeout(10);
            if (settings.schema() != null) {
                pg.setCurrentSchema(settings.schema());
            }
            pg.setApplicationName("vessel");
            // Hibernate batches inserts; the driver then sends each batch as multi-row INSERTs (a billing run writes
            // thousands of documents and lines: several times fewer statements for the server to execute)
            pg.setReWriteBatchedInserts(true);
            return pg;
        }
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(settings.url());
        h2.setUser(settings.user());
        h2.setPassword(settings.password());
        return h2;
    }

    private static DatabaseUnavailableException unavailable(ConnectionSettings settings, Throwable cause) {
        String reason = firstLine(cause.getMessage());
        if (settings.embedded() && reason != null && reason.contains("already in use")) {
            reason = "the embedded database is in use by another Vessel process (only one panel may use a data directory)";
        }
        return new DatabaseUnavailableException("cannot connect to database " + settings.redactedUrl()
                + (settings.user().isEmpty() ? "" : " as user '" + settings.user() + "'") + ": " + reason, cause);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    DataSource dataSource() {
        return dataSource;
    }

    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** A connection of its own, outside the pool (for {@code LISTEN}, which must stay on one connection). */
    Connection unpooled() {
        try {
            return vendorDataSource(settings).getConnection();
        } catch (SQLException e) {
            throw unavailable(settings, e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
