package io.vessel.identity.api;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Changes to the tenancy tree and its accounts that another bundle makes for a caller it has authorised itself —
 * an external billing system's provisioning calls, for one. The checks of the input (names, usernames, passwords,
 * roles a tenant's accounts may hold) are the same as through {@code /api/v1/tenants} and {@code /api/v1/accounts};
 * every change is audited with the {@code actor} who asked for it.
 *
 * @since 2.2
 */
public interface IdentityAdministration {

    /** The longest a login link lives. */
    Duration LOGIN_LINK_LIFETIME_MAX = Duration.ofMinutes(5);

    /** A one-time login link's secret (shown once, stored hashed) and when it stops working. */
    record LoginLink(String token, Instant expiresAt) {
    }

    /** A new customer or reseller tenant below {@code parent}; {@link IllegalArgumentException} saying what is wrong. */
    Tenant createTenant(UUID parent, TenantKind kind, String name, String actor);

    /**
     * A new account; {@link IllegalArgumentException} for a bad username, password or role, {@link IllegalStateException}
     * when the username is taken.
     */
    Account createAccount(UUID tenant, String username, String email, String role, String password, String actor);

    /** Sets an account's password; every session of the account ends. {@link IllegalArgumentException} for a weak one. */
    void setPassword(UUID account, String password, String actor);

    /** Deletes an account and everything that lets it in (sessions, tokens, recovery codes, links). */
    void deleteAccount(UUID account, String actor);

    /**
     * Deletes a tenant that has nothing below it and owns nothing (VEs, subscriptions, … as every bundle counts
     * them); its accounts go with it. {@link IllegalStateException} saying what it still has.
     */
    void deleteTenant(UUID tenant, String actor);

    /** Suspends a tenant (its users are refused with the reason) or, with a null reason, lifts the suspension. */
    Tenant setSuspension(UUID tenant, String reason, String actor);

    /**
     * A one-time link that logs a customer's account in after the user confirms it in the portal (so that a link
     * alone cannot log a browser into someone else's account). Never for the accounts of the provider or a reseller:
     * {@link IllegalArgumentException}.
     */
    LoginLink loginLink(UUID account, Duration lifetime, String actor);
}
