package io.vessel.plugins.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Settings made through the API (migrations in {@code db/migration/plugin-settings}). */
@Component(service = PersistenceContribution.class)
public final class SettingsPersistence implements PersistenceContribution {

    static final String MODULE = "plugin-settings";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 61;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(PluginSettingEntity.class);
    }
}
