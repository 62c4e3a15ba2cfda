package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** An amount applied to an invoice, from a payment or from the account's balance ({@code source} PAYMENT or BALANCE). */
@Entity(name = "BillingAllocation")
@Table(name = "billing_payment_allocation")
public class AllocationEntity {
    @Id
    UUID id;
    @Column(name = "payment_id")
    UUID paymentId;
    @Column(name = "invoice_id")
    UUID invoiceId;
    BigDecimal amount;
    String source;
    @Column(name = "applied_at")
    Instant appliedAt;
    /** Balance drawn from a prepayment invoice: that invoice, and the tax of this amount already invoiced on it. */
    @Column(name = "prepayment_id")
    UUID prepaymentId;
    @Column(name = "prepaid_tax")
    BigDecimal prepaidTax = BigDecimal.ZERO;

    protected AllocationEntity() {
    }

    AllocationEntity(UUID paymentId, UUID invoiceId, BigDecimal amount, String source, Instant appliedAt) {
        this.id = UUID.randomUUID();
        this.paymentId = paymentId;
        this.invoiceId = invoiceId;
        this.amount = amount;
        this.source = source;
        this.appliedAt = appliedAt;
    }
}
