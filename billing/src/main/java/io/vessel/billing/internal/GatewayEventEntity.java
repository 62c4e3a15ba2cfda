package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** A gateway event already processed: its primary key makes a redelivered event a no-op. */
@Entity(name = "BillingGatewayEvent")
@Table(name = "billing_gateway_event")
@IdClass(GatewayEventEntity.Key.class)
public class GatewayEventEntity {
    @Id
    String gateway;
    @Id
    @Column(name = "event_id")
    String eventId;
    String kind;
    @Column(name = "received_at")
    Instant receivedAt;

    protected GatewayEventEntity() {
    }

    GatewayEventEntity(String gateway, String eventId, String kind, Instant receivedAt) {
        this.gateway = gateway;
        this.eventId = eventId;
        this.kind = kind;
        this.receivedAt = receivedAt;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        String gateway;
        String eventId;

        public Key() {
        }

        Key(String gateway, String eventId) {
            this.gateway = gateway;
            this.eventId = eventId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(gateway, k.gateway) && Objects.equals(eventId, k.eventId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(gateway, eventId);
        }
    }
}
