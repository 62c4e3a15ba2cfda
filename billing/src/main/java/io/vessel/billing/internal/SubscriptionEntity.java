package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A tenant's subscription to one version of a plan. */
@Entity(name = "BillingSubscription")
@Table(name = "billing_subscription")
public class SubscriptionEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "plan_id")
    UUID planId;
    @Column(name = "plan_version")
    int planVersion;
    /** TRIAL, ACTIVE, CANCELLED (ended). */
    String state;
    @Column(name = "started_at")
    Instant startedAt;
    @Column(name = "trial_ends_at")
    Instant trialEndsAt;
    /** When a cancellation at the period's end takes effect. */
    @Column(name = "cancel_at")
    Instant cancelAt;
    @Column(name = "ended_at")
    Instant endedAt;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "created_by")
    String createdBy;
    /** The recurring price is invoiced up to here (in advance for monthly and yearly plans, in arrears for hourly ones). */
    @Column(name = "invoiced_until")
    Instant invoicedUntil;
    @Column(name = "setup_invoiced")
    boolean setupInvoiced;
    /** Suspended time (of a plan whose suspended subscriptions do not accrue) is credited up to here. */
    @Column(name = "suspension_credited_until")
    Instant suspensionCreditedUntil;
    /** The VE whose metered usage the plan charges, if any. */
    @Column(name = "ve_id")
    Integer veId;

    protected SubscriptionEntity() {
    }

    SubscriptionEntity(UUID id, UUID tenantId, UUID planId, int planVersion, Instant startedAt, Instant trialEndsAt, String createdBy) {
        this.id = id;
        this.tenantId = tenantId;
        this.planId = planId;
        this.planVersion = planVersion;
        this.state = trialEndsAt != null && trialEndsAt.isAfter(startedAt) ? "TRIAL" : "ACTIVE";
        this.startedAt = startedAt;
        this.trialEndsAt = trialEndsAt;
        this.createdAt = startedAt;
        this.createdBy = createdBy;
    }
}
