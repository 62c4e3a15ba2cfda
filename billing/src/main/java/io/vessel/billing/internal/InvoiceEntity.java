package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** An issued invoice or credit note (kind {@code INVOICE}, {@code CREDIT_NOTE} or {@code PREPAYMENT}: a top-up documented with its tax); only {@code amountPaid} (and a prepayment's unused part) changes later. */
@Entity(name = "BillingInvoice")
@Table(name = "billing_invoice")
public class InvoiceEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "issuer_tenant")
    UUID issuerTenant;
    String kind;
    String number;
    @Column(name = "series_year")
    int seriesYear;
    long sequence;
    String currency;
    /** Sum of the rounded lines; negative for a credit note. */
    BigDecimal total;
    @Column(name = "amount_paid")
    BigDecimal amountPaid;
    @Column(name = "issued_at")
    Instant issuedAt;
    @Column(name = "due_at")
    Instant dueAt;
    /** The lines' sum before tax (after it, when prices include tax, the net that sum holds). */
    BigDecimal subtotal;
    @Column(name = "tax_rate")
    BigDecimal taxRate;
    BigDecimal tax;
    @Column(name = "tax_name")
    String taxName;
    @Column(name = "tax_note")
    String taxNote;
    /** For a credit note issued on demand: the invoice it credits. */
    @Column(name = "credits_invoice")
    UUID creditsInvoice;
    /** The billing run that issued it (null: issued on demand — a credit note, a prepayment). */
    @Column(name = "run_id")
    UUID runId;
    /** For a prepayment invoice: the payment it documents. */
    @Column(name = "payment_id")
    UUID paymentId;
    /** For a prepayment invoice: what of its total is still on the balance, unused, and that part's tax. */
    @Column(name = "prepaid_left")
    BigDecimal prepaidLeft;
    @Column(name = "prepaid_tax_left")
    BigDecimal prepaidTaxLeft;
    /** When the customer was told of the document, its PDF attached (null: not yet; see InvoiceDocuments). */
    @Column(name = "announced_at")
    Instant announcedAt;

    protected InvoiceEntity() {
    }

    InvoiceEntity(UUID id, UUID tenantId, UUID issuerTenant, String kind, String currency, Instant issuedAt, Instant dueAt) {
        this.id = id;
        this.tenantId = tenantId;
        this.issuerTenant = issuerTenant;
        this.kind = kind;
        this.currency = currency;
        this.total = BigDecimal.ZERO;
        this.amountPaid = BigDecimal.ZERO;
        this.issuedAt = issuedAt;
        this.dueAt = dueAt;
    }
}
