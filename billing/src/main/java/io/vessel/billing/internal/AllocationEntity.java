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
