package io.vessel.sample.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The plugin's own tables, migrated when the plugin is installed. */
@Component(service = PersistenceContribution.class)
public final class SamplePersistence implements PersistenceContribution {

    static final String MODULE = "sample";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(Guest.class, Greeting.class);
    }
}
