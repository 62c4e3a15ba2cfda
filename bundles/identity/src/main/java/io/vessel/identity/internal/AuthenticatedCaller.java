package io.vessel.identity.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A caller as authenticated for one request.
 *
 * @param permissions  what the account's role grants
 * @param tokenScope   for API tokens, the permissions the token was limited to; null for browser sessions
 * @param impersonator the admin acting as this account, if any
 * @param mustEnrol2fa the tenant requires 2FA and the account has none yet: only its own settings are open
 */
record AuthenticatedCaller(UUID account, String username, UUID tenant, String role, Set<String> permissions, Set<String> tokenScope,
                           UUID tokenId, String impersonatorName, boolean mustEnrol2fa, Tenancy tenancy) implements Caller {

    @Override
    public String accountId() {
        return account.toString();
    }

    @Override
    public String getName() {
        return username;
    }

    @Override
    public String tenantId() {
        return tenant.toString();
    }

    @Override
    public boolean may(String permission) {
        return Roles.grants(permissions, permission) && (tokenScope == null || tokenScope.contains(permission));
    }

    /** Provider-level callers (provider admins and auditors) see the provider's own objects and everything below. */
    boolean providerScope() {
        return tenant.equals(tenancy.provider().id());
    }

    @Override
    public boolean sees(String tenantId) {
        if (tenantId == null || tenantId.isEmpty() || ObjectOwnership.PROVIDER.equals(tenantId)) {
            return providerScope();
        }
        try {
            return tenancy.isWithin(UUID.fromString(tenantId), tenant);
        } catch (IllegalArgumentException notAUuid) {
            return false;
        }
    }

    @Override
    public Optional<Set<String>> visibleTenants() {
        if (providerScope()) {
            return Optional.empty();
        }
        return Optional.of(tenancy.subtree(tenant).stream().map(t -> t.id().toString()).collect(java.util.stream.Collectors.toSet()));
    }

    @Override
    public Optional<String> impersonator() {
        return Optional.ofNullable(impersonatorName);
    }
}
