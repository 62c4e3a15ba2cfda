package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity(name = "BillingPlan")
@Table(name = "billing_plan")
public class PlanEntity {
    @Id
    UUID id;
    @Column(name = "owner_tenant")
    UUID ownerTenant;
    String code;
    @Column(name = "latest_version")
    int latestVersion;
    /** Whether customers may order it themselves (from the portal, {@code /billing/orders}). */
    boolean orderable = true;
    /** Whether a customer's first order of it waits for the seller's approval. */
    @Column(name = "first_order_approval")
    boolean firstOrderApproval;
    /** The pool a VE ordered on the plan in the portal gets its address from; null: the seller's first with a free address. */
    @Column(name = "order_ip_pool")
    String orderIpPool;
    @Column(name = "retired_at")
    Instant retiredAt;
    @Column(name = "created_at")
    Instant createdAt;

    protected PlanEntity() {
    }

    PlanEntity(UUID id, UUID ownerTenant, String code, Instant createdAt) {
        this.id = id;
        this.ownerTenant = ownerTenant;
        this.code = code;
        this.latestVersion = 1;
        this.createdAt = createdAt;
    }
}
