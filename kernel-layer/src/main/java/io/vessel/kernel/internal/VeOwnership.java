package io.vessel.kernel.internal;

import io.vessel.api.security.ObjectOwnership;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import java.util.Objects;
import java.util.Optional;

/**
 * A VE belongs to its owner tenant; VEs without one are the provider's. Every request on a VE asks this first, so
 * owners are kept in memory: a VE's owner is set at creation and never changes, and a destroyed VE is forgotten
 * (its id may be given to a new VE).
 */
final class VeOwnership implements ObjectOwnership {

    /** Checked on every request that names a VE: compiled once. */
    private static final java.util.regex.Pattern VE_ID = java.util.regex.Pattern.compile("\\d{1,9}");

    private final VeService ves;
    private final java.util.Map<Integer, String> owners = new java.util.concurrent.ConcurrentHashMap<>();

    VeOwnership(VeService ves) {
        this.ves = ves;
    }

    @Override
    public Optional<String> ownerOf(String id) {
        if (id == null || !VE_ID.matcher(id).matches()) {
            return Optional.empty();
        }
        int veId = Integer.parseInt(id);
        String known = owners.get(veId);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> owner = ves.find(veId).map(ve -> ve.owner() == null ? PROVIDER : ve.owner());
        owner.ifPresent(o -> owners.put(veId, o));
        return owner;
    }

    void forget(int veId) {
        owners.remove(veId);
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return ves.list().stream().map(VirtualEnvironment::owner).filter(o -> Objects.equals(o, tenantId)).count();
    }
}
