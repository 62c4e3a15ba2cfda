package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A VE billing suspended ({@code SUSPEND}) or stopped ({@code STOP}) for an overdue account, until lifted. */
@Entity(name = "BillingSuspension")
@Table(name = "billing_suspension")
public class SuspensionEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "ve_id")
    int veId;
    String action;
    String reason;
    Instant at;
    @Column(name = "lifted_at")
    Instant liftedAt;

    protected SuspensionEntity() {
    }

    SuspensionEntity(UUID tenantId, int veId, String action, String reason, Instant at) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.veId = veId;
        this.action = action;
        this.reason = reason;
        this.at = at;
    }
}
