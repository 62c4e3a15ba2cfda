package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** An alert sent at {@code level} % of a subscription's included usage of a meter in a period: each is sent once. */
@Entity(name = "BillingUsageAlert")
@Table(name = "billing_usage_alert")
@IdClass(UsageAlertEntity.Key.class)
public class UsageAlertEntity {
    @Id
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Id
    String meter;
    @Id
    @Column(name = "period_start")
    Instant periodStart;
    @Id
    int level;
    @Column(name = "tenant_id")
    UUID tenantId;
    BigDecimal used;
    BigDecimal included;
    @Column(name = "sent_at")
    Instant sentAt;

    protected UsageAlertEntity() {
    }

    UsageAlertEntity(SubscriptionEntity s, String meter, Instant periodStart, int level, BigDecimal used, BigDecimal included, Instant sentAt) {
        this.subscriptionId = s.id;
        this.meter = meter;
        this.periodStart = periodStart;
        this.level = level;
        this.tenantId = s.tenantId;
        this.used = used;
        this.included = included;
        this.sentAt = sentAt;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID subscriptionId;
        String meter;
        Instant periodStart;
        int level;

        public Key() {
        }

        Key(UUID subscriptionId, String meter, Instant periodStart, int level) {
            this.subscriptionId = subscriptionId;
            this.meter = meter;
            this.periodStart = periodStart;
            this.level = level;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subscriptionId, k.subscriptionId) && Objects.equals(meter, k.meter)
                    && Objects.equals(periodStart, k.periodStart) && level == k.level;
        }

        @Override
        public int hashCode() {
            return Objects.hash(subscriptionId, meter, periodStart, level);
        }
    }
}
