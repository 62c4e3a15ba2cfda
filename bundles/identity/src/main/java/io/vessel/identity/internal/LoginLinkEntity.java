package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A one-time login link, stored as the SHA-256 of its secret. */
@Entity
@Table(name = "login_link")
public class LoginLinkEntity {

    @Id
    @Column(name = "token_hash", length = 64)
    private String tokenHash;
    @Column(name = "account_id", nullable = false)
    private UUID accountId;
    @Column(name = "created_by", nullable = false)
    private String createdBy;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;
    @Column(name = "used_at")
    private Instant usedAt;

    protected LoginLinkEntity() {
    }

    LoginLinkEntity(String tokenHash, UUID accountId, String createdBy, Instant now, Instant expiresAt) {
        this.tokenHash = tokenHash;
        this.accountId = accountId;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.expiresAt = expiresAt;
    }

    UUID accountId() {
        return accountId;
    }

    String createdBy() {
        return createdBy;
    }

    boolean usable(Instant now) {
        return usedAt == null && expiresAt.isAfter(now);
    }

    void use(Instant now) {
        usedAt = now;
    }
}
