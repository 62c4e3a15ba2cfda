package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "login_session")
public class SessionEntity {

    @Id
    @Column(name = "token_hash", length = 64)
    private String tokenHash;
    @Column(name = "account_id", nullable = false)
    private UUID accountId;
    @Column(name = "impersonator_id")
    private UUID impersonatorId;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;
    @Column(name = "source_ip", length = 45)
    private String sourceIp;

    protected SessionEntity() {
    }

    SessionEntity(String tokenHash, UUID accountId, UUID impersonatorId, Instant now, Instant expiresAt, String sourceIp) {
        this.tokenHash = tokenHash;
        this.accountId = accountId;
        this.impersonatorId = impersonatorId;
        this.createdAt = now;
        this.expiresAt = expiresAt;
        this.sourceIp = sourceIp;
    }

    UUID accountId() {
        return accountId;
    }

    UUID impersonatorId() {
        return impersonatorId;
    }

    Instant expiresAt() {
        return expiresAt;
    }
}
