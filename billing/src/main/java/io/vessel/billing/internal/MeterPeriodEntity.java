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

/** What one complete period of a subscription was rated at for one plugin meter (corrections bill the difference). */
@Entity(name = "BillingMeterPeriod")
@Table(name = "billing_meter_period")
@IdClass(MeterPeriodEntity.Key.class)
public class MeterPeriodEntity {
    @Id
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Id
    String meter;
    @Id
    @Column(name = "period_start")
    Instant periodStart;
    @Column(name = "period_end")
    Instant periodEnd;
    BigDecimal quantity;
    BigDecimal amount;
    @Column(name = "rated_at")
    Instant ratedAt;

    protected MeterPeriodEntity() {
    }

    MeterPeriodEntity(UUID subscriptionId, String meter, Instant periodStart, Instant periodEnd, BigDecimal quantity, BigDecimal amount, Instant ratedAt) {
        this.subscriptionId = subscriptionId;
        this.meter = meter;
        this.periodStart = periodStart;
        this.periodEnd = periodEnd;
        this.quantity = quantity;
        this.amount = amount;
        this.ratedAt = ratedAt;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID subscriptionId;
        String meter;
        Instant periodStart;

        public Key() {
        }

        Key(UUID subscriptionId, String meter, Instant periodStart) {
            this.subscriptionId = subscriptionId;
            this.meter = meter;
            this.periodStart = periodStart;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subscriptionId, k.subscriptionId) && Objects.equals(meter, k.meter)
                    && Objects.equals(periodStart, k.periodStart);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subscriptionId, meter, periodStart);
        }
    }
}
