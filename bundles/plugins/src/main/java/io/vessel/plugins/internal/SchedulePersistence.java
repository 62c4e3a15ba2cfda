package io.vessel.plugins.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The scheduled tasks' table (migrations in {@code db/migration/schedule}). */
@Component(service = PersistenceContribution.class)
public final class SchedulePersistence implements PersistenceContribution {

    static final String MODULE = "schedule";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(ScheduledTaskEntity.class);
    }
}
