package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A seller's settings: where it is established, its tax id, whether its prices include tax, its tax engine and number formats. */
@Entity(name = "BillingSeller")
@Table(name = "billing_seller")
public class SellerEntity {
    @Id
    @Column(name = "tenant_id")
    UUID tenantId;
    String country;
    @Column(name = "tax_id")
    String taxId;
    @Column(name = "prices_include_tax")
    boolean pricesIncludeTax;
    /** The tax engine plugin that taxes this seller's documents (null: its own rates). */
    @Column(name = "tax_engine")
    String taxEngine;
    /** The seller's own number formats (null: the panel's {@code billing.invoice.number.format} and credit-note one). */
    @Column(name = "invoice_number_format")
    String invoiceNumberFormat;
    @Column(name = "credit_note_number_format")
    String creditNoteNumberFormat;
    /** How prepaid credit is taxed: {@link #AT_USE} or {@link #AT_TOP_UP}. */
    @Column(name = "prepaid_tax")
    String prepaidTax = AT_USE;
    /** What its documents print: legal name, postal address (lines), e-mail, logo, payment terms, footer. */
    @Column(name = "legal_name")
    String legalName;
    String address;
    String email;
    byte[] logo;
    @Column(name = "logo_type")
    String logoType;
    @Column(name = "payment_terms")
    String paymentTerms;
    String footer;

    /** Prepaid credit is taxed when it pays an invoice (the invoice carries the tax). */
    static final String AT_USE = "AT_USE";
    /** Prepaid credit is taxed when bought: a prepayment invoice documents the top-up with its tax. */
    static final String AT_TOP_UP = "AT_TOP_UP";

    protected SellerEntity() {
    }

    SellerEntity(UUID tenantId) {
        this.tenantId = tenantId;
    }

    /** The seller's settings, made (all unset) if it has none yet; changes are written with the caller's transaction. */
    static SellerEntity of(jakarta.persistence.EntityManager em, UUID tenantId) {
        SellerEntity seller = em.find(SellerEntity.class, tenantId);
        if (seller == null) {
            seller = new SellerEntity(tenantId);
            em.persist(seller);
        }
        return seller;
    }
}
