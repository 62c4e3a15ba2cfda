package io.vessel.operations.internal;

import io.vessel.api.operation.OperationService;
import io.vessel.api.security.ObjectOwnership;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Operations belong to the tenant of their target. */
@Component(service = ObjectOwnership.class, property = ObjectOwnership.KIND + "=operation")
public final class OperationOwnership implements ObjectOwnership {

    private final OperationService operations;

    @Activate
    public OperationOwnership(@Reference OperationService operations) {
        this.operations = operations;
    }

    @Override
    public Optional<String> ownerOf(String id) {
        UUID uuid;
        try {
            uuid = id == null || id.length() != 36 ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            uuid = null;
        }
        return uuid == null ? Optional.empty()
                : operations.find(uuid).map(o -> o.owner() == null ? ObjectOwnership.PROVIDER : o.owner());
    }
}
