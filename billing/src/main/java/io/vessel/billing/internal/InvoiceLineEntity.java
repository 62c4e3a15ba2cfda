package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** One line of an invoice: a quantity at a unit price, its amount rounded to the currency's minor unit. */
@Entity(name = "BillingInvoiceLine")
@Table(name = "billing_invoice_line")
public class InvoiceLineEntity {
    @Id
    UUID id;
    @Column(name = "invoice_id")
    UUID invoiceId;
    int position;
    /** setup, recurring, credit. */
    String kind;
    String description;
    @Column(name = "subscription_id")
    UUID subscriptionId;
    BigDecimal quantity;
    @Column(name = "unit_price")
    BigDecimal unitPrice;
    BigDecimal amount;
    @Column(name = "period_from")
    Instant periodFrom;
    @Column(name = "period_to")
    Instant periodTo;

    protected InvoiceLineEntity() {
    }

    InvoiceLineEntity(UUID invoiceId, int position, String kind, String description, UUID subscriptionId, BigDecimal quantity,
                      BigDecimal unitPrice, BigDecimal amount, Instant periodFrom, Instant periodTo) {
        this.id = UUID.randomUUID();
        this.invoiceId = invoiceId;
        this.position = position;
        this.kind = kind;
        this.description = description;
        this.subscriptionId = subscriptionId;
        this.quantity = quantity;
        this.unitPrice = unitPrice;
        this.amount = amount;
        this.periodFrom = periodFrom;
        this.periodTo = periodTo;
    }
}
