package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.identity.api.Role;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
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
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 30)
    private Role role;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "last_login_at")
    private Instant lastLoginAt;

    protected AccountEntity() {
    }

    AccountEntity(String username, String email, String passwordHash, Role role, Instant now) {
        this.id = UUID.randomUUID();
        this.username = username;
        this.email = email;
        this.passwordHash = passwordHash;
        this.role = role;
        this.createdAt = now;
    }

    UUID id() {
        return id;
    }

    String passwordHash() {
        return passwordHash;
    }

    void setPasswordHash(String hash) {
        this.passwordHash = hash;
    }

    void loggedIn(Instant now) {
        lastLoginAt = now;
    }

    Account toAccount() {
        return new Account(id, username, email, role, createdAt, lastLoginAt);
    }
}
