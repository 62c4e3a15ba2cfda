package io.vessel.backup.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A terminated customer's backups are not kept for ever (task {@code backup.retention}, nightly at 03:30 UTC): a
 * tenant found owning no VE any more has its repositories marked, is told the date, and once
 * {@code backup.terminated.retention} (30 days) has passed without it owning a VE again, its repositories are
 * erased ({@link BackupService#erase}). A tenant that owns a VE again keeps its backups.
 */
@Component(service = ScheduledTask.class, property = {ScheduledTask.NAME + "=backup.retention", ScheduledTask.CRON + "=30 3 * * *",
        ScheduledTask.MISSED + "=" + ScheduledTask.CATCH_UP})
public final class TerminatedTenantBackups implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(TerminatedTenantBackups.class);

    private final Database database;
    private final VeService ves;
    private final BackupService backups;

    @Activate
    public TerminatedTenantBackups(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BackupPersistence.MODULE + ")") Database database,
                                   @Reference VeService ves, @Reference BackupService backups) {
        this.database = database;
        this.ves = ves;
        this.backups = backups;
    }

    @Override
    public void run(TaskRun run) {
        Optional<Duration> retention = backups.terminatedRetention();
        if (retention.isEmpty()) {
            return;
        }
        Set<String> owners = ves.list().stream().map(VirtualEnvironment::owner).filter(Objects::nonNull).collect(Collectors.toSet());
        Instant now = Instant.now();
        List<BackupRepositoryEntity> repositories = database.inTransaction(em -> em.createQuery(
                "select r from BackupRepositoryEntity r where r.tenantId is not null and r.tenantId <> :panel", BackupRepositoryEntity.class)
                .setParameter("panel", BackupService.PANEL).getResultList());
        for (BackupRepositoryEntity repository : repositories) {
            boolean owns = owners.contains(repository.tenantId.toString());
            Instant since = owns ? null : repository.orphanedSince != null ? repository.orphanedSince : now;
            if (!Objects.equals(since, repository.orphanedSince)) {
                mark(repository, since, retention.get());
            }
            if (since != null && !since.plus(retention.get()).isAfter(now)) {
                try {
                    backups.erase(repository.id, "its tenant has owned no VE since " + since + " (backup.terminated.retention " + retention.get() + ")");
                } catch (RuntimeException e) {
                    LOG.warn("Backups of a terminated customer not erased repository={}: {}", repository.id, e.toString());
                }
            }
        }
    }

    private void mark(BackupRepositoryEntity repository, Instant since, Duration retention) {
        database.run(em -> em.find(BackupRepositoryEntity.class, repository.id).orphanedSince = since);
        UUID tenant = repository.tenantId;
        if (since == null) {
            LOG.info("Backups kept again: the tenant owns a VE repository={} tenant={}", repository.id, tenant);
            return;
        }
        Instant deleteAt = since.plus(retention);
        LOG.warn("Tenant owns no VE any more: its backups are deleted after the retention repository={} tenant={} deleteAt={}",
                repository.id, tenant, deleteAt);
        if (!retention.isZero() && !retention.isNegative()) {
            String date = deleteAt.atOffset(ZoneOffset.UTC).toLocalDate().toString();
            backups.tell(tenant, new io.vessel.api.notify.Notification("backup.retention", "Your backups will be deleted on " + date,
                    "You have no servers with us any more, so the backups of your former servers are kept until " + date
                            + " (UTC) and then deleted. Download what you need before then, or order a server to keep them.",
                    Map.of("deleteAt", deleteAt.toString())));
        }
    }
}
