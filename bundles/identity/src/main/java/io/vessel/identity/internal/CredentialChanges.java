package io.vessel.identity.internal;

import io.vessel.persistence.api.Database;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts changes to accounts, sessions, tokens and 2FA, so cached credentials know when to look again. A change made
 * here empties this process's caches at once; the count is also raised in the database, which every panel process
 * on it reads every {@link #WATCH}, so a logout or a revocation on one panel reaches the others within that (their
 * caches' own time limit, 10 s, is the bound if the database cannot be read).
 */
@Component(service = CredentialChanges.class)
public final class CredentialChanges {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialChanges.class);
    static final Duration WATCH = Duration.ofSeconds(1);

    private final AtomicLong generation = new AtomicLong();
    private final Database database;
    private final ScheduledExecutorService watcher;
    private volatile long seen = -1;

    @Activate
    public CredentialChanges(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database) {
        this.database = database;
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-credential-changes");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::watch, 0, WATCH.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void stop() {
        watcher.shutdownNow();
    }

    void bump() {
        generation.incrementAndGet();
        try {
            database.run(em -> em.createQuery("update CredentialGenerationEntity g set g.generation = g.generation + 1 where g.id = :id")
                    .setParameter("id", CredentialGenerationEntity.ID).executeUpdate());
        } catch (RuntimeException e) {
            LOG.warn("Credential change not told to other panels (their caches expire within 10 s): {}", e.getMessage());
        }
    }

    /** Another process's change (or this one's, told back): caches here look again. */
    private void watch() {
        try {
            long now = database.inTransaction(em -> em.find(CredentialGenerationEntity.class, CredentialGenerationEntity.ID).generation());
            if (seen != -1 && now != seen) {
                generation.incrementAndGet();
            }
            seen = now;
        } catch (RuntimeException e) {
            LOG.debug("Credential generation not read: {}", e.getMessage());
        }
    }

    AtomicLong counter() {
        return generation;
    }
}
