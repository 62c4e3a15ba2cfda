package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * Money given back from a payment: a refund (by the seller) or a chargeback (by the card holder's bank). A refund
 * through a gateway is {@code PENDING} while the gateway is asked (so that the gateway's own webhook about it, which
 * may arrive before the answer, is recognised), then {@code DONE} with the ledger changed, or {@code FAILED}.
 */
@Entity(name = "BillingRefund")
@Table(name = "billing_refund")
public class RefundEntity {
    static final String REFUND = "REFUND";
    static final String CHARGEBACK = "CHARGEBACK";
    static final String PENDING = "PENDING";
    static final String DONE = "DONE";
    static final String FAILED = "FAILED";

    @Id
    UUID id;
    @Column(name = "payment_id")
    UUID paymentId;
    @Column(name = "tenant_id")
    UUID tenantId;
    BigDecimal amount;
    String currency;
    String kind;
    String state = DONE;
    String reason;
    @Column(name = "gateway_reference")
    String gatewayReference;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "recorded_by")
    String recordedBy;

    protected RefundEntity() {
    }

    RefundEntity(UUID id, PaymentEntity payment, BigDecimal amount, String kind, String reason, Instant now, String recordedBy) {
        this.id = id;
        this.paymentId = payment.id;
        this.tenantId = payment.tenantId;
        this.amount = amount;
        this.currency = payment.currency;
        this.kind = kind;
        this.reason = reason;
        this.createdAt = now;
        this.recordedBy = recordedBy;
    }
}
