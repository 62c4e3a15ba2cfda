package io.vessel.kernel.internal;

import io.vessel.api.security.ObjectOwnership;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import java.util.Objects;
import java.util.Optional;

/** A VE belongs to its owner tenant; VEs without one are the provider's. */
final class VeOwnership implements ObjectOwnership {

    private final VeService ves;

    VeOwnership(VeService ves) {
        this.ves = ves;
    }

    @Override
    public Optional<String> ownerOf(String id) {
        if (id == null || !id.matches("\\d{1,9}")) {
            return Optional.empty();
        }
        return ves.find(Integer.parseInt(id)).map(ve -> ve.owner() == null ? PROVIDER : ve.owner());
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return ves.list().stream().map(VirtualEnvironment::owner).filter(o -> Objects.equals(o, tenantId)).count();
    }
}
