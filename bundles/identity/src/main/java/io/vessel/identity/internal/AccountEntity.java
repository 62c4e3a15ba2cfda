package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "account")
public class AccountEntity {

    @Id
    private UUID id;
    @Column(nullable = false, length = 64)
    private String username;
    @Column(length = 254)
    private String email;
    @Column(name = "password_hash", nullable = false, length = 200)
    private String passwordHash;
    @Column(nullable = false, length = 64)
    private String role;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "totp_secret", length = 64)
    private String totpSecret;
    @Column(name = "totp_enabled", nullable = false)
    private boolean totpEnabled;
    @Column(name = "totp_last_step")
    private Long totpLastStep;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "last_login_at")
    private Instant lastLoginAt;

    protected AccountEntity() {
    }

    AccountEntity(String username, String email, String passwordHash, UUID tenantId, String role, Instant now) {
        this.id = UUID.randomUUID();
        this.username = username;
        this.email = email;
        this.passwordHash = passwordHash;
        this.tenantId = tenantId;
        this.role = role;
        this.createdAt = now;
    }

    UUID id() {
        return id;
    }

    String username() {
        return username;
    }

    String email() {
        return email;
    }

    void setEmail(String email) {
        this.email = email;
    }

    UUID tenantId() {
        return tenantId;
    }

    void setTenantId(UUID tenantId) {
        this.tenantId = tenantId;
    }

    String role() {
        return role;
    }

    void setRole(String role) {
        this.role = role;
    }

    String passwordHash() {
        return passwordHash;
    }

    void setPasswordHash(String hash) {
        this.passwordHash = hash;
    }

    String totpSecret() {
        return totpSecret;
    }

    boolean totpEnabled() {
        return totpEnabled;
    }

    Long totpLastStep() {
        return totpLastStep;
    }

    void setTotp(String secret, boolean enabled) {
        this.totpSecret = secret;
        this.totpEnabled = enabled;
        this.totpLastStep = null;
    }

    void usedTotpStep(long step) {
        this.totpLastStep = step;
    }

    void loggedIn(Instant now) {
        lastLoginAt = now;
    }

    Account toAccount() {
        return new Account(id, username, email, tenantId, role, totpEnabled, createdAt, lastLoginAt);
    }
}
