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

/** How far a subscription that bills many VEs (a reseller's wholesale usage) is billed for one VE and meter. */
@Entity(name = "BillingVeUsageMark")
@Table(name = "billing_usage_mark_ve")
@IdClass(VeUsageMarkEntity.Key.class)
public class VeUsageMarkEntity {
    @Id
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Id
    String meter;
    @Id
    @Column(name = "ve_id")
    int veId;
    @Column(name = "sample_at")
    Instant sampleAt;
    BigDecimal counter;

    protected VeUsageMarkEntity() {
    }

    VeUsageMarkEntity(UUID subscriptionId, String meter, int veId, Instant sampleAt, BigDecimal counter) {
        this.subscriptionId = subscriptionId;
        this.meter = meter;
        this.veId = veId;
        this.sampleAt = sampleAt;
        this.counter = counter;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID subscriptionId;
        String meter;
        int veId;

        public Key() {
        }

        Key(UUID subscriptionId, String meter, int veId) {
            this.subscriptionId = subscriptionId;
            this.meter = meter;
            this.veId = veId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subscriptionId, k.subscriptionId) && Objects.equals(meter, k.meter) && veId == k.veId;
        }

        @Override
        public int hashCode() {
            return Objects.hash(subscriptionId, meter, veId);
        }
    }
}
