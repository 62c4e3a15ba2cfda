package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A seller's own credentials at a payment gateway, sealed as one JSON object. */
@Entity(name = "BillingGatewayCredentials")
@Table(name = "billing_gateway_credentials")
@IdClass(GatewayCredentialsEntity.Key.class)
public class GatewayCredentialsEntity {
    @Id
    @Column(name = "seller_tenant")
    UUID sellerTenant;
    @Id
    String gateway;
    String sealed;
    @Column(name = "updated_at")
    Instant updatedAt;
    @Column(name = "updated_by")
    String updatedBy;

    protected GatewayCredentialsEntity() {
    }

    GatewayCredentialsEntity(UUID sellerTenant, String gateway) {
        this.sellerTenant = sellerTenant;
        this.gateway = gateway;
    }

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID sellerTenant;
        String gateway;

        public Key() {
        }

        Key(UUID sellerTenant, String gateway) {
            this.sellerTenant = sellerTenant;
            this.gateway = gateway;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(sellerTenant, k.sellerTenant) && Objects.equals(gateway, k.gateway);
        }

        @Override
        public int hashCode() {
            return Objects.hash(sellerTenant, gateway);
        }
    }
}
