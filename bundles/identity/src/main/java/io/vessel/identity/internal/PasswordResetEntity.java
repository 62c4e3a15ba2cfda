package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "password_reset")
public class PasswordResetEntity {

    @Id
    @Column(name = "token_hash", length = 64)
    private String tokenHash;
    @Column(name = "account_id", nullable = false)
    private UUID accountId;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;
    @Column(name = "used_at")
    private Instant usedAt;

    protected PasswordResetEntity() {
    }

    PasswordResetEntity(String tokenHash, UUID accountId, Instant now, Instant expiresAt) {
        this.tokenHash = tokenHash;
        this.accountId = accountId;
        this.createdAt = now;
        this.expiresAt = expiresAt;
    }

    UUID accountId() {
        return accountId;
    }

    boolean usable(Instant now) {
        return usedAt == null && expiresAt.isAfter(now);
    }

    void use(Instant now) {
        usedAt = now;
    }
}
