package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** Money received for an account. */
@Entity(name = "BillingPayment")
@Table(name = "billing_payment")
public class PaymentEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    BigDecimal amount;
    String currency;
    /** BANK_TRANSFER, CASH, CARD, OTHER, or GATEWAY (then {@code reference} is {@code <gateway>:<its reference>}). */
    String method;
    String reference;
    /** What was left for the balance after paying invoices. */
    @Column(name = "to_balance")
    BigDecimal toBalance;
    @Column(name = "received_at")
    Instant receivedAt;
    @Column(name = "recorded_by")
    String recordedBy;
    /** Given back since, by refunds and chargebacks. */
    BigDecimal refunded = BigDecimal.ZERO;

    protected PaymentEntity() {
    }

    PaymentEntity(UUID tenantId, BigDecimal amount, String currency, String method, String reference, Instant receivedAt, String recordedBy) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.amount = amount;
        this.currency = currency;
        this.method = method;
        this.reference = reference;
        this.toBalance = BigDecimal.ZERO;
        this.receivedAt = receivedAt;
        this.recordedBy = recordedBy;
    }
}
