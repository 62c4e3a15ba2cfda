package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One attempt to pay through a gateway: {@code PENDING} until the gateway's answer or webhook ends it as
 * {@code SUCCEEDED} (then {@code paymentId} is the payment it became) or {@code DECLINED}.
 */
@Entity(name = "BillingGatewayPayment")
@Table(name = "billing_gateway_payment")
public class GatewayPaymentEntity {
    static final String PENDING = "PENDING";
    static final String SUCCEEDED = "SUCCEEDED";
    static final String DECLINED = "DECLINED";

    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    String gateway;
    /** Whose credentials it was made with: '' the plugin's settings, else the seller's tenant id. */
    @Column(name = "credentials_of")
    String credentialsOf = "";
    String reference;
    @Column(name = "invoice_id")
    UUID invoiceId;
    BigDecimal amount;
    String currency;
    String state;
    String message;
    @Column(name = "payment_id")
    UUID paymentId;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "updated_at")
    Instant updatedAt;

    protected GatewayPaymentEntity() {
    }

    GatewayPaymentEntity(UUID tenantId, String gateway, UUID invoiceId, BigDecimal amount, String currency, Instant now) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.gateway = gateway;
        this.invoiceId = invoiceId;
        this.amount = amount;
        this.currency = currency;
        this.state = PENDING;
        this.createdAt = now;
        this.updatedAt = now;
    }
}
