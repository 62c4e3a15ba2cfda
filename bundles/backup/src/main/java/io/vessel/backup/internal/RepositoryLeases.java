package io.vessel.backup.internal;

import io.vessel.persistence.api.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One restic at a time per repository, across every panel process on the database. restic's own lock is not enough:
 * 0.14 has no exit code that says "locked", and a long backup can outlive its lock, so a second restic may start
 * on a repository whose first one still runs (a prune beside a backup loses data). The lease is a column of the
 * repository's row, taken by one conditional update (works the same on H2 and PostgreSQL), renewed while the work
 * runs, given back when it ends; a lease whose panel died runs out after {@link #TERM}. A holder's id names the
 * panel that holds it (its node id's high half), so that a panel starting again after a crash takes back its own
 * leases at once, and leaves those of the other panels on the database alone while they are renewed.
 */
final class RepositoryLeases implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryLeases.class);
    static final Duration TERM = Duration.ofMinutes(2);

    private final Database database;
    private final Clock clock;
    /** The high half of every holder id this panel makes: its node's. */
    private final long panel;
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private final Map<UUID, UUID> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-backup-leases");
        t.setDaemon(true);
        return t;
    });

    RepositoryLeases(Database database, Clock clock, UUID node) {
        this.database = database;
        this.clock = clock;
        this.panel = node.getMostSignificantBits();
        renewer.scheduleWithFixedDelay(this::renew, 30, 30, TimeUnit.SECONDS);
    }

    /** A lease on a repository; closing it gives it back. */
    final class Lease implements AutoCloseable {
        final UUID repository;
        final UUID holder;

        private Lease(UUID repository, UUID holder) {
            this.repository = repository;
            this.holder = holder;
        }

        @Override
        public void close() {
            held.remove(repository, holder);
            database.run(em -> em.createQuery("update BackupRepositoryEntity r set r.busyBy = null, r.busyWhat = null, r.busyUntil = null"
                    + " where r.id = :id and r.busyBy = :holder").setParameter("id", repository).setParameter("holder", holder).executeUpdate());
        }
    }

    /** What keeps a repository busy, for a waiting operation's progress message. */
    interface Waiting {
        void busyWith(String what);
    }

    /**
     * Takes the repository's lease for {@code what}, waiting while somebody else holds it (telling {@code waiting}
     * what for) until {@code patience} is over.
     */
    Lease take(UUID repository, String what, Duration patience, Waiting waiting) throws InterruptedException {
        UUID holder = new UUID(panel, random.nextLong());
        Instant giveUp = clock.instant().plus(patience);
        String lastBusy = null;
        while (true) {
            Instant now = clock.instant();
            int taken = database.inTransaction(em -> em.createQuery("update BackupRepositoryEntity r set r.busyBy = :holder, r.busyWhat = :what,"
                            + " r.busyUntil = :until where r.id = :id and (r.busyUntil is null or r.busyUntil < :now)")
                    .setParameter("holder", holder).setParameter("what", what).setParameter("until", now.plus(TERM))
                    .setParameter("id", repository).setParameter("now", now).executeUpdate());
            if (taken == 1) {
                held.put(repository, holder);
                return new Lease(repository, holder);
            }
            if (now.isAfter(giveUp)) {
                throw new IllegalStateException("the backup repository stayed busy" + (lastBusy == null ? "" : " with " + lastBusy));
            }
            String busy = database.inTransaction(em -> {
                BackupRepositoryEntity r = em.find(BackupRepositoryEntity.class, repository);
                return r == null ? null : r.busyWhat;
            });
            if (busy != null && !busy.equals(lastBusy)) {
                waiting.busyWith(busy);
                lastBusy = busy;
            }
            Thread.sleep(500);
        }
    }

    /**
     * Whether a lease that a stop may have left is this panel's to take back now: its own (held before it stopped),
     * or one whose panel stopped renewing it. A lease another panel renews is that panel's work under way.
     */
    boolean leftBehind(UUID holder, Instant until) {
        return holder.getMostSignificantBits() == panel || until == null || until.isBefore(clock.instant());
    }

    private void renew() {
        Instant until = clock.instant().plus(TERM);
        held.forEach((repository, holder) -> {
            try {
                database.run(em -> em.createQuery("update BackupRepositoryEntity r set r.busyUntil = :until where r.id = :id and r.busyBy = :holder")
                        .setParameter("until", until).setParameter("id", repository).setParameter("holder", holder).executeUpdate());
            } catch (RuntimeException e) {
                LOG.warn("Backup repository lease not renewed repository={}: {}", repository, e.toString());
            }
        });
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
