package io.vessel.identity.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A node of the tenancy tree.
 *
 * @param require2fa      accounts in this tenant and below must use two-factor authentication
 * @param suspendedReason why the tenant is suspended; null while it is not
 */
public record Tenant(UUID id, UUID parentId, TenantKind kind, String name, boolean require2fa, String suspendedReason,
                     Instant suspendedAt, Instant createdAt) {

    public boolean suspended() {
        return suspendedAt != null;
    }
}
