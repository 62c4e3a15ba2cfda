package io.vessel.backup.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One backup of a VE. */
@Entity(name = "BackupEntity")
@Table(name = "backup")
public class BackupEntity {

    /** Where a backup is: made or not, and whether it can be restored. */
    enum State {
        /** Asked for, waiting for its turn (the VE's, the node's, the repository's). */
        QUEUED,
        RUNNING,
        /** Made: every file of the VE is in it. */
        DONE,
        /** Made, but some files could not be read (restic's exit 3): what was read can be restored. */
        INCOMPLETE,
        FAILED,
        /** Being deleted (restic forget + prune). */
        DELETING
    }

    @Id
    UUID id;
    @Column(name = "ve_id")
    int veId;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "repository_id")
    UUID repositoryId;
    String target;
    @Column(name = "snapshot_id")
    String snapshotId;
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    State state;
    String note;
    @Column(name = "made_by")
    String madeBy;
    @Column(name = "operation_id")
    UUID operationId;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "started_at")
    Instant startedAt;
    @Column(name = "finished_at")
    Instant finishedAt;
    Long files;
    @Column(name = "bytes_total")
    Long bytesTotal;
    @Column(name = "bytes_added")
    Long bytesAdded;
    @Column(name = "duration_ms")
    Long durationMs;
    @Column(name = "frozen_ms")
    Long frozenMs;
    String error;
    @Column(name = "ve_hostname")
    String veHostname;
    @Column(name = "ve_template")
    String veTemplate;
    /** The VE's limits as JSON ({@link io.vessel.kernel.api.VeLimits}). */
    @Column(name = "ve_limits")
    String veLimits;
    @Column(name = "ve_privileged")
    Boolean vePrivileged;

    protected BackupEntity() {
    }

    BackupEntity(UUID id, int veId, UUID tenantId, String target, String note, String madeBy, Instant createdAt) {
        this.id = id;
        this.veId = veId;
        this.tenantId = tenantId;
        this.target = target;
        this.note = note;
        this.madeBy = madeBy;
        this.createdAt = createdAt;
        this.state = State.QUEUED;
    }
}
