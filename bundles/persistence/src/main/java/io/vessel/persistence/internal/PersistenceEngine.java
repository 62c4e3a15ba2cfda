package io.vessel.persistence.internal;

import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.DatabaseInfo;
import io.vessel.persistence.api.PersistenceContribution;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hibernate.SessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database as the rest of Vessel sees it: a pool, migrations per module and a Hibernate session factory
 * that is rebuilt when the set of contributing modules changes (a plugin with entities is installed or removed).
 * Independent of OSGi so it can be tested against real databases directly.
 */
final class PersistenceEngine implements Database, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PersistenceEngine.class);

    private final ConnectionSettings settings;
    private final ConnectionPool pool;
    private final DatabaseInfo info;
    /** Transactions hold the read lock; swapping the session factory takes the write lock. */
    private final ReadWriteLock swapLock = new ReentrantReadWriteLock();
    private volatile SessionFactory sessionFactory;
    private volatile Set<String> modules = Set.of();
    /** Made with the first listener; PostgreSQL only. */
    private NotificationListener notifications;

    /**
     * False on a node agent: it connects with a role of its own that may not change the schema, so it only checks
     * that a panel has migrated the database to what this version needs (panels upgrade first).
     */
    private final boolean migrates;

    private PersistenceEngine(ConnectionSettings settings, ConnectionPool pool, DatabaseInfo info, boolean migrates) {
        this.settings = settings;
        this.pool = pool;
        this.info = info;
        this.migrates = migrates;
    }

    static PersistenceEngine start(ConnectionSettings settings) {
        return start(settings, true);
    }

    static PersistenceEngine start(ConnectionSettings settings, boolean migrates) {
        ConnectionPool pool = ConnectionPool.open(settings, migrates);
        try (Connection c = pool.connection()) {
            DatabaseMetaData meta = c.getMetaData();
            DatabaseInfo info = new DatabaseInfo(meta.getDatabaseProductName(), meta.getDatabaseProductVersion(),
                    settings.redactedUrl(), settings.schema() != null ? settings.schema() : c.getSchema(), settings.embedded());
            c.rollback();
            return new PersistenceEngine(settings, pool, info, migrates);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            if (e instanceof DatabaseUnavailableException due) {
                throw due;
            }
            throw new DatabaseUnavailableException("cannot use database " + settings.redactedUrl() + ": "
                    + ConnectionPool.firstLine(e.getMessage()), e);
        }
    }

    /** Drops a module's tables and history; refused while the module is mapped (its bundle still contributes it). */
    void purge(String module, List<String> tables) {
        if (modules().contains(module)) {
            throw new IllegalStateException("module " + module + " is in use; it can be purged once its bundle is gone");
        }
        new MigrationRunner(pool, settings.isPostgres()).purge(module, tables);
    }

    /**
     * Migrates every contribution (lowest order first) and rebuilds the session factory over all of them.
     * On failure the previous session factory stays in service.
     */
    void apply(Collection<PersistenceContribution> contributions) {
        List<PersistenceContribution> ordered = contributions.stream()
                .sorted(Comparator.comparingInt(PersistenceContribution::order).thenComparing(PersistenceContribution::module))
                .toList();
        MigrationRunner runner = new MigrationRunner(pool, settings.isPostgres());
        for (PersistenceContribution contribution : ordered) {
            try {
                if (migrates) {
                    runner.migrate(contribution.module(), MigrationScanner.scan(contribution));
                } else {
                    runner.verify(contribution.module(), MigrationScanner.scan(contribution));
                }
            } catch (DatabaseUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ModuleFailure(contribution, e);
            }
        }
        long started = System.nanoTime();
        SessionFactory next = SessionFactoryBuilder.build(pool, settings, ordered);
        Set<String> nextModules = ordered.stream().map(PersistenceContribution::module)
                .collect(Collectors.toCollection(TreeSet::new));
        SessionFactory previous;
        swapLock.writeLock().lock();
        try {
            previous = sessionFactory;
            sessionFactory = next;
            modules = Set.copyOf(nextModules);
        } finally {
            swapLock.writeLock().unlock();
        }
        if (previous != null) {
            previous.close();
        }
        LOG.info("Persistence ready modules={} entities={} tookMs={}", nextModules,
                ordered.stream().mapToInt(c -> c.entityClasses().size()).sum(), (System.nanoTime() - started) / 1_000_000);
    }

    /** A module's migrations failed; the contributions before it were migrated. */
    static final class ModuleFailure extends RuntimeException {
        final transient PersistenceContribution contribution;

        ModuleFailure(PersistenceContribution contribution, RuntimeException cause) {
            super("migrations of module " + contribution.module() + " failed: " + ConnectionPool.firstLine(cause.getMessage()), cause);
            this.contribution = contribution;
        }
    }

    @Override
    public <T> T inTransaction(Function<EntityManager, T> work) {
        try {
            return once(work);
        } catch (BrokenBeforeCommit broken) {
            // the pooled connection was broken before the work could commit (H2 closes its file when a thread is
            // interrupted in I/O; a PostgreSQL connection may drop): nothing was committed, and the pool has evicted
            // the connection, so the work runs once more on a fresh one. A failed commit is never run again.
            LOG.warn("Transaction failed on a broken database connection, run again on another: {}",
                    ConnectionPool.firstLine(broken.getCause().getMessage()));
            try {
                return once(work);
            } catch (BrokenBeforeCommit again) {
                throw (RuntimeException) again.getCause();
            }
        }
    }

    /** The work failed on a broken connection before its commit was asked for. */
    private static final class BrokenBeforeCommit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BrokenBeforeCommit(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** Whether {@code e} comes from a connection that no longer works (SQLSTATE class 08, or H2's closed database). */
    static boolean brokenConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.hibernate.exception.JDBCConnectionException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && (sql.getSQLState() != null && sql.getSQLState().startsWith("08")
                    || sql.getErrorCode() == 90098 || sql.getErrorCode() == 90121)) {
                return true;
            }
            if (t instanceof org.hibernate.TransactionException && String.valueOf(t.getMessage()).startsWith("Unable to rollback")) {
                return true;
            }
        }
        return false;
    }

    private <T> T once(Function<EntityManager, T> work) {
        // an interrupt pending on this thread is kept away from the database and given back to the caller once the
        // transaction is over: the embedded database's retry: file system (ConnectionSettings) would otherwise consume
        // it when H2's write is interrupted, and the caller would never see it.
        boolean interrupted = Thread.interrupted();
        try {
            return onceUninterrupted(work);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T onceUninterrupted(Function<EntityManager, T> work) {
        swapLock.readLock().lock();
        try {
            SessionFactory factory = sessionFactory;
            if (factory == null) {
                throw new IllegalStateException("the database is not ready yet");
            }
            try (EntityManager em = factory.createEntityManager()) {
                EntityTransaction tx = em.getTransaction();
                boolean committing = false;
                try {
                    tx.begin();
                    T result = work.apply(em);
                    committing = true;
                    tx.commit();
                    return result;
                } catch (RuntimeException | Error e) {
                    try {
                        if (tx.isActive()) {
                            tx.rollback();
                        }
                    } catch (RuntimeException rollback) {
                        // a broken connection fails the rollback too: the work's own failure says why, so it is the one thrown
                        e.addSuppressed(rollback);
                    }
                    if (!committing && e instanceof RuntimeException failure
                            && (brokenConnection(e) || java.util.Arrays.stream(e.getSuppressed()).anyMatch(PersistenceEngine::brokenConnection))) {
                        throw new BrokenBeforeCommit(failure);
                    }
                    throw e;
                }
            }
        } finally {
            swapLock.readLock().unlock();
        }
    }

    /**
     * A consistent copy of the database in {@code file}: H2's online {@code BACKUP TO} (a zip of the database file,
     * taken while it serves), or {@code pg_dump --format=custom} with the password in its environment only.
     */
    String dumpTo(java.nio.file.Path file) throws java.io.IOException {
        java.nio.file.Files.deleteIfExists(file);
        if (!settings.isPostgres()) {
            try (java.sql.Connection c = pool.connection(); java.sql.Statement s = c.createStatement()) {
                s.execute("BACKUP TO '" + file.toAbsolutePath().toString().replace("'", "''") + "'");
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException("the embedded database could not be backed up: " + e.getMessage(), e);
            }
            return "h2-backup-zip";
        }
        java.net.URI uri = java.net.URI.create(settings.url().substring("jdbc:".length()));
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("pg_dump", "--format=custom", "--no-owner",
                "--file=" + file.toAbsolutePath(), "--host=" + uri.getHost(), "--port=" + (uri.getPort() > 0 ? uri.getPort() : 5432),
                "--username=" + settings.user(), "--dbname=" + uri.getPath().substring(1)));
        if (settings.schema() != null) {
            command.add("--schema=" + settings.schema());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", settings.password());
        Process p = builder.start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new java.io.IOException("pg_dump failed: " + said.strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("pg_dump interrupted");
        }
        return "pg-dump-custom";
    }

    @Override
    public void notify(EntityManager em, String channel, String payload) {
        if (!settings.isPostgres()) {
            return;
        }
        // pg_notify returns void, which Hibernate's native queries cannot map: a plain JDBC call in the same transaction
        em.unwrap(org.hibernate.Session.class).doWork(c -> {
            try (java.sql.PreparedStatement s = c.prepareStatement("SELECT 1 FROM (SELECT pg_notify(?, ?)) n")) {
                s.setString(1, channelName(channel));
                s.setString(2, payload);
                s.executeQuery().close();
            }
        });
    }

    @Override
    public synchronized AutoCloseable listen(String channel, java.util.function.Consumer<String> listener) {
        if (!settings.isPostgres()) {
            return () -> {
            };
        }
        if (notifications == null) {
            notifications = new NotificationListener(pool::unpooled);
        }
        return notifications.add(channelName(channel), listener);
    }

    /**
     * The channel as PostgreSQL knows it: qualified by the schema, since channels are the whole database's and
     * processes on other schemas (other installations, tests) must not hear each other; at most 63 characters.
     */
    String channelName(String channel) {
        String name = (channel + "_" + (info.schema() == null ? "" : info.schema())).toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        return name.length() <= 63 ? name : name.substring(0, 54) + "_" + Integer.toHexString(name.hashCode());
    }

    ConnectionSettings settings() {
        return settings;
    }

    @Override
    public DatabaseInfo info() {
        return info;
    }

    @Override
    public Set<String> modules() {
        return modules;
    }

    /** Round trip to the database, in milliseconds; throws if it does not answer. */
    long ping() throws SQLException {
        long started = System.nanoTime();
        try (Connection c = pool.connection()) {
            if (!c.isValid(2)) {
                throw new SQLException("connection is not valid");
            }
            c.rollback();
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (notifications != null) {
                notifications.close();
            }
        }
        swapLock.writeLock().lock();
        try {
            if (sessionFactory != null) {
                sessionFactory.close();
                sessionFactory = null;
            }
        } finally {
            swapLock.writeLock().unlock();
        }
        pool.close();
    }
}
