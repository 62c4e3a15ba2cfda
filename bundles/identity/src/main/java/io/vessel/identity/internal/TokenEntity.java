package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

@Entity
@Table(name = "api_token")
public class TokenEntity {

    @Id
    private UUID id;
    @Column(name = "account_id", nullable = false)
    private UUID accountId;
    @Column(nullable = false, length = 100)
    private String name;
    @Column(name = "token_hash", nullable = false, length = 64)
    private String tokenHash;
    @Column(nullable = false, length = 4000)
    private String permissions;
    @Column(name = "allowed_ips", length = 2000)
    private String allowedIps;
    @Column(name = "expires_at")
    private Instant expiresAt;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "last_used_at")
    private Instant lastUsedAt;
    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected TokenEntity() {
    }

    TokenEntity(UUID id, UUID accountId, String name, String tokenHash, Set<String> permissions, List<String> allowedIps, Instant expiresAt,
                Instant now) {
        this.id = id;
        this.accountId = accountId;
        this.name = name;
        this.tokenHash = tokenHash;
        this.permissions = String.join(",", new java.util.TreeSet<>(permissions));
        this.allowedIps = allowedIps == null || allowedIps.isEmpty() ? null : String.join(",", allowedIps);
        this.expiresAt = expiresAt;
        this.createdAt = now;
    }

    UUID id() {
        return id;
    }

    UUID accountId() {
        return accountId;
    }

    String name() {
        return name;
    }

    Set<String> permissions() {
        return CustomRoleEntity.split(permissions);
    }

    List<String> allowedIps() {
        return List.copyOf(CustomRoleEntity.split(allowedIps));
    }

    Instant expiresAt() {
        return expiresAt;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant lastUsedAt() {
        return lastUsedAt;
    }

    Instant revokedAt() {
        return revokedAt;
    }

    void used(Instant now) {
        lastUsedAt = now;
    }

    void revoke(Instant now) {
        revokedAt = now;
    }
}
