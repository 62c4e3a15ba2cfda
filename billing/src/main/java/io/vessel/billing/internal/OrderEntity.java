package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A customer's order of a VE on a plan: placed, then made at once or after its seller approved it (or refused). */
@Entity(name = "BillingOrder")
@Table(name = "billing_order")
public class OrderEntity {
    /** Waits for the seller's approval. */
    static final String PENDING = "PENDING";
    /** Made: the subscription exists and its VE is being or was made. */
    static final String PLACED = "PLACED";
    static final String REJECTED = "REJECTED";

    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "seller_tenant")
    UUID sellerTenant;
    @Column(name = "plan_id")
    UUID planId;
    @Column(name = "plan_version")
    int planVersion;
    String template;
    String hostname;
    String state;
    String reason;
    @Column(name = "placed_by")
    String placedBy;
    @Column(name = "placed_at")
    Instant placedAt;
    @Column(name = "decided_by")
    String decidedBy;
    @Column(name = "decided_at")
    Instant decidedAt;
    @Column(name = "subscription_id")
    UUID subscriptionId;

    protected OrderEntity() {
    }

    OrderEntity(UUID tenantId, UUID sellerTenant, UUID planId, int planVersion, String template, String hostname, String placedBy, Instant placedAt) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.sellerTenant = sellerTenant;
        this.planId = planId;
        this.planVersion = planVersion;
        this.template = template;
        this.hostname = hostname;
        this.state = PENDING;
        this.placedBy = placedBy;
        this.placedAt = placedAt;
    }
}
