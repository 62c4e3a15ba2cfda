package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One version of a plan; written once, never updated. */
@Entity(name = "BillingPlanVersion")
@Table(name = "billing_plan_version")
public class PlanVersionEntity {
    @Id
    UUID id;
    @Column(name = "plan_id")
    UUID planId;
    int version;
    /** The definition as JSON ({@link PlanJson.Definition}), amounts as decimal strings. */
    String definition;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "created_by")
    String createdBy;

    protected PlanVersionEntity() {
    }

    PlanVersionEntity(UUID id, UUID planId, int version, String definition, Instant createdAt, String createdBy) {
        this.id = id;
        this.planId = planId;
        this.version = version;
        this.definition = definition;
        this.createdAt = createdAt;
        this.createdBy = createdBy;
    }
}
