package io.vessel.identity.internal;

import io.vessel.identity.api.Tenant;
import io.vessel.identity.api.TenantKind;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "tenant")
public class TenantEntity {

    @Id
    private UUID id;
    @Column(name = "parent_id")
    private UUID parentId;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private TenantKind kind;
    @Column(nullable = false, length = 100)
    private String name;
    @Column(name = "require_2fa", nullable = false)
    private boolean require2fa;
    @Column(name = "suspended_reason", length = 500)
    private String suspendedReason;
    @Column(name = "suspended_at")
    private Instant suspendedAt;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected TenantEntity() {
    }

    TenantEntity(UUID parentId, TenantKind kind, String name, Instant now) {
        this.id = UUID.randomUUID();
        this.parentId = parentId;
        this.kind = kind;
        this.name = name;
        this.createdAt = now;
    }

    UUID id() {
        return id;
    }

    void rename(String name) {
        this.name = name;
    }

    void require2fa(boolean required) {
        this.require2fa = required;
    }

    void suspend(String reason, Instant now) {
        this.suspendedReason = reason;
        this.suspendedAt = now;
    }

    void unsuspend() {
        this.suspendedReason = null;
        this.suspendedAt = null;
    }

    Tenant toTenant() {
        return new Tenant(id, parentId, kind, name, require2fa, suspendedReason, suspendedAt, createdAt);
    }
}
