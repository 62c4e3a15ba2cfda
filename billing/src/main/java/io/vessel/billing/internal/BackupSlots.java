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
 * subscriptions, or with one whose plan sets no limit, has none.
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
        UUID id;
        try {
            id = UUID.fromString(tenant);
        } catch (IllegalArgumentException | NullPointerException e) {
            return OptionalLong.empty();
        }
        List<PlanQuotas> quotas = database.inTransaction(em -> Resellers.activeQuotas(em, id, clock.instant()));
        Long sum = quotas.isEmpty() ? null : Resellers.sum(quotas, PlanQuotas::backupSlots);
        return sum == null ? OptionalLong.empty() : OptionalLong.of(sum);
    }
}
