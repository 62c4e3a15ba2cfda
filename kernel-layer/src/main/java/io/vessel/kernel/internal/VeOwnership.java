package io.vessel.kernel.internal;

import io.vessel.api.security.ObjectOwnership;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import java.util.Objects;
import java.util.Optional;

/**
 * A VE belongs to its owner tenant; VEs without one are the provider's. Every request on a VE asks this first, so
 * owners are kept in memory: a VE's owner is set at creation and never changes, and a destroyed VE is forgotten
 * (its id may be given to a new VE). While other nodes share the database, a VE may be destroyed there and its id
 * given to another tenant's VE without this process taking part: then owners are not kept beyond the VE records'
 * own short-lived copies.
 */
final class VeOwnership implements ObjectOwnership {

    /** Checked on every request that names a VE: compiled once. */
    private static final java.util.regex.Pattern VE_ID = java.util.regex.Pattern.compile("\\d{1,9}");

    private final VeService ves;
    private final java.util.function.BooleanSupplier shared;
    private final java.util.Map<Integer, String> owners = new java.util.concurrent.ConcurrentHashMap<>();

    VeOwnership(VeService ves, java.util.function.BooleanSupplier shared) {
        this.ves = ves;
        this.shared = shared;
    }

    @Override
    public Optional<String> ownerOf(String id) {
        if (id == null || !VE_ID.matcher(id).matches()) {
            return Optional.empty();
        }
        int veId = Integer.parseInt(id);
        String known = owners.get(veId);
        if (known != null && !shared.getAsBoolean()) {
            return Optional.of(known);
        }
        Optional<String> owner = ves.find(veId).map(ve -> ve.owner() == null ? PROVIDER : ve.owner());
        if (!shared.getAsBoolean()) { // asked after the read, which looks at the nodes
            owner.ifPresent(o -> owners.put(veId, o));
        } else {
            owners.clear();
        }
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
