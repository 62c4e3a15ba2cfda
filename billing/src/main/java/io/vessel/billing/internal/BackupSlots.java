package io.vessel.billing.internal;

import io.vessel.backup.api.BackupQuota;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.persistence.api.Database;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The backup slots a tenant's plans grant (the sum of its running subscriptions' {@code backupSlots}), for the backup
 * bundle through its {@link BackupQuota} SPI — billing never reaches into backups, it only answers. A tenant without
 * subscriptions, or with one whose plan sets no limit, has none. Likewise the backup storage its plans grant
 * ({@code backupGiB}), whether a VE's plan lets its scheduled backups go on while it is suspended, and when the plan
 * has its VEs backed up.
 */
@Component(service = BackupQuota.class)
public final class BackupSlots implements BackupQuota {

    private final Database database;
    private final BillingClock clock;

    @Activate
    public BackupSlots(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                       @Reference BillingClock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public OptionalLong slots(String tenant) {
        UUID id = tenantId(tenant);
        if (id == null) {
            return OptionalLong.empty();
        }
        return sum(id, PlanQuotas::backupSlots);
    }

    @Override
    public OptionalLong storedBytes(String tenant) {
        UUID id = tenantId(tenant);
        if (id == null) {
            return OptionalLong.empty();
        }
        OptionalLong gib = sum(id, PlanQuotas::backupGiB);
        return gib.isEmpty() ? gib : OptionalLong.of(gib.getAsLong() << 30);
    }

    @Override
    public boolean backsUpWhileSuspended(String tenant, int ve) {
        UUID id = tenantId(tenant);
        if (id == null) {
            return true;
        }
        java.time.Instant now = clock.instant();
        return database.inTransaction(em -> em.createQuery("select s from BillingSubscription s where s.tenantId = :t and s.veId = :ve"
                        + " and s.endedAt is null", SubscriptionEntity.class).setParameter("t", id).setParameter("ve", ve).getResultList().stream()
                .filter(s -> s.cancelAt == null || now.isBefore(s.cancelAt))
                .map(s -> Subscriptions.plan(em, s).quotas().backupsWhileSuspended())
                .noneMatch(Boolean.FALSE::equals));
    }

    @Override
    public java.util.Optional<PlanSchedule> planSchedule(String tenant, int ve) {
        UUID id = tenantId(tenant);
        if (id == null) {
            return java.util.Optional.empty();
        }
        java.time.Instant now = clock.instant();
        return database.inTransaction(em -> em.createQuery("select s from BillingSubscription s where s.tenantId = :t and s.veId = :ve"
                        + " and s.endedAt is null order by s.startedAt", SubscriptionEntity.class).setParameter("t", id).setParameter("ve", ve)
                .getResultList().stream().filter(s -> s.cancelAt == null || now.isBefore(s.cancelAt))
                .map(s -> Subscriptions.plan(em, s).backupSchedule()).filter(java.util.Objects::nonNull).findFirst()
                .map(b -> new PlanSchedule(b.cron(), b.timeZone(), b.spreadMinutes(), b.keepLast(), b.keepHourly(), b.keepDaily(), b.keepWeekly(),
                        b.keepMonthly(), b.keepYearly())));
    }

    private OptionalLong sum(UUID tenant, java.util.function.Function<PlanQuotas, Long> quota) {
        List<PlanQuotas> quotas = database.inTransaction(em -> Resellers.activeQuotas(em, tenant, clock.instant()));
        Long sum = quotas.isEmpty() ? null : Resellers.sum(quotas, quota);
        return sum == null ? OptionalLong.empty() : OptionalLong.of(sum);
    }

    private static UUID tenantId(String tenant) {
        try {
            return UUID.fromString(tenant);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }
}
