package io.vessel.backup.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;

/**
 * Repositories and backups (migrations in {@code db/migration/backup}). Registered by {@link BackupRole} on panels only:
 * a node agent keeps no backup records (its database role may not read them), so nothing that keeps them starts there.
 */
public final class BackupPersistence implements PersistenceContribution {

    static final String MODULE = "backup";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 75;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(BackupRepositoryEntity.class, BackupEntity.class, BackupScheduleEntity.class);
    }
}
