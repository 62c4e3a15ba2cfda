package io.vessel.backup.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Repositories and backups (migrations in {@code db/migration/backup}). */
@Component(service = PersistenceContribution.class)
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
