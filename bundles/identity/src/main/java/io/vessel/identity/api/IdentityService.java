package io.vessel.identity.api;

import java.util.Optional;
import java.util.UUID;

/** Accounts and the tenancy tree, for other bundles (billing, backups, the web UI). */
public interface IdentityService {

    Optional<Account> byUsername(String username);

    /** @since 2.1 */
    Optional<Account> account(UUID id);

    /** The accounts of one tenant (not of the tenants below it). @since 2.1 */
    java.util.List<Account> accountsOf(UUID tenant);

    Optional<Tenant> tenant(UUID id);

    /** The provider at the root of the tree. */
    Tenant provider();

    /** Whether {@code tenant} is {@code ancestor} or lies below it. */
    boolean isWithin(UUID tenant, UUID ancestor);
}
