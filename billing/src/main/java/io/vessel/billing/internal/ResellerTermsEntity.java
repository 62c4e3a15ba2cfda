package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** What the provider set for a reseller: how it is billed wholesale, and its oversell ratios (JSON, per resource). */
@Entity(name = "BillingResellerTerms")
@Table(name = "billing_reseller_terms")
public class ResellerTermsEntity {
    static final String ALLOCATION = "ALLOCATION";
    static final String USAGE = "USAGE";

    @Id
    @Column(name = "tenant_id")
    UUID tenantId;
    String wholesale;
    String oversell;
    /** The first order of each of the reseller's customers waits for the reseller's approval, whatever the plan says. */
    @Column(name = "first_order_approval")
    boolean firstOrderApproval;
    @Column(name = "updated_at")
    Instant updatedAt;

    protected ResellerTermsEntity() {
    }

    ResellerTermsEntity(UUID tenantId) {
        this.tenantId = tenantId;
        this.wholesale = ALLOCATION;
        this.oversell = "{}";
    }
}
