package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A VE throttled or suspended for using up its plan's traffic allowance in a period, and what to restore after it. */
@Entity(name = "BillingTrafficAction")
@Table(name = "billing_traffic_action")
public class TrafficActionEntity {
    @Id
    UUID id;
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Column(name = "ve_id")
    int veId;
    @Column(name = "tenant_id")
    UUID tenantId;
    String action;
    @Column(name = "period_start")
    Instant periodStart;
    @Column(name = "period_end")
    Instant periodEnd;
    @Column(name = "previous_in_bps")
    Long previousInBps;
    @Column(name = "previous_out_bps")
    Long previousOutBps;
    @Column(name = "taken_at")
    Instant takenAt;
    @Column(name = "lifted_at")
    Instant liftedAt;

    protected TrafficActionEntity() {
    }

    TrafficActionEntity(SubscriptionEntity s, String action, Instant periodStart, Instant periodEnd, Instant now) {
        this.id = UUID.randomUUID();
        this.subscriptionId = s.id;
        this.veId = s.veId;
        this.tenantId = s.tenantId;
        this.action = action;
        this.periodStart = periodStart;
        this.periodEnd = periodEnd;
        this.takenAt = now;
    }
}
