package io.vessel.identity.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A person or script using the panel. Never carries the password, its hash or any secret.
 *
 * @param tenantId  the tenant the account belongs to
 * @param role      a built-in role ({@code provider-admin}, {@code reseller-admin}, {@code customer-owner},
 *                  {@code customer-member}, {@code auditor}) or a custom role's name
 * @param twoFactor whether logging in needs a TOTP code
 */
public record Account(UUID id, String username, String email, UUID tenantId, String role, boolean twoFactor, Instant createdAt,
                      Instant lastLoginAt) {
}
