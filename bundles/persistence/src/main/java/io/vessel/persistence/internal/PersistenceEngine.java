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

    private PersistenceEngine(ConnectionSettings settings, ConnectionPool pool, DatabaseInfo info) {
        this.settings = settings;
        this.pool = pool;
        this.info = info;
    }

    static PersistenceEngine start(ConnectionSettings settings) {
        ConnectionPool pool = ConnectionPool.open(settings);
        try (Connection c = pool.connection()) {
            DatabaseMetaData meta = c.getMetaData();
            DatabaseInfo info = new DatabaseInfo(meta.getDatabaseProductName(), meta.getDatabaseProductVersion(),
                    settings.redactedUrl(), settings.schema() != null ? settings.schema() : c.getSchema(), settings.embedded());
            c.rollback();
            return new PersistenceEngine(settings, pool, info);
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
                runner.migrate(contribution.module(), MigrationScanner.scan(contribution));
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
        swapLock.readLock().lock();
        try {
            SessionFactory factory = sessionFactory;
            if (factory == null) {
                throw new IllegalStateException("the database is not ready yet");
            }
            try (EntityManager em = factory.createEntityManager()) {
                EntityTransaction tx = em.getTransaction();
                tx.begin();
                try {
                    T result = work.apply(em);
                    tx.commit();
                    return result;
                } catch (RuntimeException | Error e) {
                    if (tx.isActive()) {
                        tx.rollback();
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
