package io.vessel.backup.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A tenant's restic repository in one target. */
@Entity(name = "BackupRepositoryEntity")
@Table(name = "backup_repository")
public class BackupRepositoryEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    String target;
    String location;
    @Column(name = "sealed_password")
    String sealedPassword;
    /** Whether {@code restic init} made the repository (the row comes first, so two first backups make one). */
    boolean initialized;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "busy_by")
    UUID busyBy;
    @Column(name = "busy_what")
    String busyWhat;
    @Column(name = "busy_until")
    Instant busyUntil;
    @Column(name = "stored_bytes")
    Long storedBytes;
    @Column(name = "stored_at")
    Instant storedAt;
    /** The slice of the data the next scheduled check reads (1 to {@link BackupService#CHECK_SLICES}). */
    @Column(name = "check_slice")
    Integer checkSlice;
    @Column(name = "checked_at")
    Instant checkedAt;
    @Column(name = "check_ok")
    Boolean checkOk;
    @Column(name = "check_error")
    String checkError;
    /** The id of Vessel's key of the repository (restic is told to try it first); null: not known. */
    @Column(name = "key_id")
    String keyId;
    /** Since when the tenant owns no VE (a terminated customer); null while it owns one. */
    @Column(name = "orphaned_since")
    Instant orphanedSince;

    protected BackupRepositoryEntity() {
    }

    BackupRepositoryEntity(UUID id, UUID tenantId, String target, String location, String sealedPassword, Instant createdAt) {
        this.id = id;
        this.tenantId = tenantId;
        this.target = target;
        this.location = location;
        this.sealedPassword = sealedPassword;
        this.createdAt = createdAt;
    }

    /** What the sealed password is bound to: a sealed password copied to another repository's row does not open. */
    String sealingName() {
        return target + "/" + (tenantId == null ? "provider" : tenantId) + "/" + id;
    }
}
