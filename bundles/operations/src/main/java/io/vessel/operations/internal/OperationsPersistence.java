package io.vessel.operations.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

@Component(service = PersistenceContribution.class)
public final class OperationsPersistence implements PersistenceContribution {

    static final String MODULE = "operations";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(OperationEntity.class);
    }
}
