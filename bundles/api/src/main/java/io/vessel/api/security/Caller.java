package io.vessel.api.security;

import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Optional;

/**
 * The account behind a request, as the identity layer authenticated it (session cookie or API token).
 * Tenants are referred to by their id as text; a {@code null} tenant means "the provider's own" and is seen only by
 * callers whose scope is the whole provider.
 */
public interface Caller extends Principal {

    String accountId();

    /** The username. */
    @Override
    String getName();

    /** The tenant the account belongs to. */
    String tenantId();

    /** The role name, e.g. {@code customer-owner}, or the name of a custom role. */
    String role();

    /** Whether the caller holds {@code permission} (for a token: the account holds it and the token's scope names it). */
    boolean may(String permission);

    /** Whether an object owned by {@code tenantId} lies inside the caller's part of the tenancy tree. */
    boolean sees(String tenantId);

    /**
     * The ids of the tenants the caller sees, for database queries; empty when the caller sees everything (the
     * provider's own objects included).
     */
    Optional<java.util.Set<String>> visibleTenants();

    /** The username of the admin acting as this account, while impersonating. */
    Optional<String> impersonator();

    /** The caller of a request, or an error if the identity layer did not authenticate it. */
    static Caller of(SecurityContext context) {
        if (context != null && context.getUserPrincipal() instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("request was not authenticated by the identity layer");
    }
}
