package io.vessel.api.security;

import java.util.Optional;

/**
 * Tells which tenant owns an object of one kind. Register as an OSGi service with {@link #KIND} set to the name
 * used in {@link RequiresPermission#object()}.
 */
public interface ObjectOwnership {

    /** Service property: the object kind this service answers for, e.g. {@code ve}. */
    String KIND = "vessel.object.kind";

    /** Owner of objects every caller with the permission may see (e.g. public templates). */
    String SHARED = "*";

    /** Owner of the provider's own objects (those created without a tenant). */
    String PROVIDER = "provider";

    /**
     * The owning tenant's id, {@link #SHARED} or {@link #PROVIDER}; empty when there is no such object (the id may
     * be any text a client sent, including malformed ones).
     */
    Optional<String> ownerOf(String id);

    /** How many objects of this kind the tenant owns; a tenant that still owns any cannot be deleted. */
    default long countOwnedBy(String tenantId) {
        return 0;
    }
}
