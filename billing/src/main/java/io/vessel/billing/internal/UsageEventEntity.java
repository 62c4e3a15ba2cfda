package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** An event a plugin meter reported (unique per meter and key). */
@Entity(name = "BillingUsageEvent")
@Table(name = "billing_usage_event")
public class UsageEventEntity {
    @Id
    UUID id;
    String meter;
    @Column(name = "event_key")
    String key;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "ve_id")
    Integer veId;
    Instant at;
    /** The event's value ({@code value} is a reserved word in H2). */
    @Column(name = "quantity")
    BigDecimal value;
    @Column(name = "unique_value")
    String unique;
    @Column(name = "received_at")
    Instant receivedAt;

    protected UsageEventEntity() {
    }

    UsageEventEntity(String meter, String key, UUID tenantId, Integer veId, Instant at, BigDecimal value, String unique, Instant receivedAt) {
        this.id = UUID.randomUUID();
        this.meter = meter;
        this.key = key;
        this.tenantId = tenantId;
        this.veId = veId;
        this.at = at;
        this.value = value;
        this.unique = unique;
        this.receivedAt = receivedAt;
    }
}
