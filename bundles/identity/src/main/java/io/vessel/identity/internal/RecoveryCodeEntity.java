package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "recovery_code")
public class RecoveryCodeEntity {

    @Id
    @Column(name = "code_hash", length = 64)
    private String codeHash;
    @Column(name = "account_id", nullable = false)
    private UUID accountId;
    @Column(name = "used_at")
    private Instant usedAt;

    protected RecoveryCodeEntity() {
    }

    RecoveryCodeEntity(String codeHash, UUID accountId) {
        this.codeHash = codeHash;
        this.accountId = accountId;
    }

    UUID accountId() {
        return accountId;
    }

    Instant usedAt() {
        return usedAt;
    }

    void use(Instant now) {
        usedAt = now;
    }
}
