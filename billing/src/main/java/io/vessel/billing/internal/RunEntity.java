package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A billing run: asked for through the API (then a tracked operation) or scheduled, and what it made. */
@Entity(name = "BillingRunRecord")
@Table(name = "billing_run")
public class RunEntity {
    /** Recorded, its operation not started yet. */
    static final String QUEUED = "QUEUED";
    static final String RUNNING = "RUNNING";
    static final String DONE = "DONE";
    /** The panel stopped while it was queued or ran; what it billed is billed, the rest waits for the next run. */
    static final String INTERRUPTED = "INTERRUPTED";
    static final String FAILED = "FAILED";

    @Id
    UUID id;
    /** The tenant whose administrator asked for it (it billed that tenant's customers); null: scheduled, every account. */
    @Column(name = "owner_tenant")
    UUID ownerTenant;
    @Column(name = "operation_id")
    UUID operationId;
    @Column(name = "requested_by")
    String requestedBy;
    String state;
    @Column(name = "started_at")
    Instant startedAt;
    @Column(name = "finished_at")
    Instant finishedAt;
    int accounts;
    @Column(name = "accounts_done")
    int accountsDone;
    int documents;
    /** The accounts whose documents wait for the next run (a tax engine could not decide, ...), comma-separated. */
    @Column(name = "failed_accounts")
    String failedAccounts;

    protected RunEntity() {
    }

    RunEntity(UUID id, UUID ownerTenant, String requestedBy, Instant startedAt) {
        this.id = id;
        this.ownerTenant = ownerTenant;
        this.requestedBy = requestedBy;
        this.state = QUEUED;
        this.startedAt = startedAt;
    }
}
