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

/** How far a subscription's usage of one meter is billed: the stored sample's time and its lifetime counter. */
@Entity(name = "BillingUsageMark")
@Table(name = "billing_usage_mark")
@IdClass(UsageMarkEntity.Key.class)
public class UsageMarkEntity {
    @Id
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Id
    String meter;
    @Column(name = "sample_at")
    Instant sampleAt;
    BigDecimal counter;
    /** The usage period whose part up to {@link #sampleAt} was invoiced early, and how much of it (in the meter's unit). */
    @Column(name = "period_start")
    Instant periodStart;
    @Column(name = "period_quantity")
    BigDecimal periodQuantity = BigDecimal.ZERO;

    protected UsageMarkEntity() {
    }

    UsageMarkEntity(UUID subscriptionId, String meter, Instant sampleAt, BigDecimal counter) {
        this.subscriptionId = subscriptionId;
        this.meter = meter;
        this.sampleAt = sampleAt;
        this.counter = counter;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID subscriptionId;
        String meter;

        public Key() {
        }

        Key(UUID subscriptionId, String meter) {
            this.subscriptionId = subscriptionId;
            this.meter = meter;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subscriptionId, k.subscriptionId) && Objects.equals(meter, k.meter);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subscriptionId, meter);
        }
    }
}
