package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A tenant's billing account. */
@Entity(name = "BillingAccount")
@Table(name = "billing_account")
public class AccountEntity {
    @Id
    @Column(name = "tenant_id")
    UUID tenantId;
    /** Who invoices this account: the tenant's parent (the provider, or its reseller). */
    @Column(name = "seller_tenant")
    UUID sellerTenant;
    String currency;
    @Column(name = "anchor_day")
    int anchorDay;
    @Column(name = "time_zone")
    String timeZone;
    String country;
    String region;
    @Column(name = "tax_id")
    String taxId;
    /** The customer's legal name and postal address (lines) on its documents; null: the tenant's name, no address. */
    @Column(name = "legal_name")
    String legalName;
    String address;
    /** Prepaid credit (positive) the account holds. */
    BigDecimal balance;
    @Column(name = "created_at")
    Instant createdAt;
    /** How many dunning steps were taken since the oldest overdue invoice fell due (0: none overdue). */
    @Column(name = "dunning_step")
    int dunningStep;
    @Column(name = "dunning_since")
    Instant dunningSince;
    /** Dunning takes no further step until then (its seller paused it); null: not paused. */
    @Column(name = "dunning_paused_until")
    Instant dunningPausedUntil;
    /** The most the customer wants to spend per period (null: no limit), and what reaching it does: ALERT or BLOCK. */
    @Column(name = "spending_limit")
    BigDecimal spendingLimit;
    @Column(name = "limit_action")
    String limitAction;
    /** The start of the period for which the 80 % and 100 % alerts were sent. */
    @Column(name = "alerted_80")
    Instant alerted80;
    @Column(name = "alerted_100")
    Instant alerted100;

    /** An external billing system invoices the account (see {@link ProvisioningResource}): usage is metered, nothing invoiced. */
    @Column(name = "external_billing")
    boolean externalBilling;

    protected AccountEntity() {
    }

    AccountEntity(UUID tenantId, UUID sellerTenant, String currency, int anchorDay, String timeZone, Instant createdAt) {
        this.tenantId = tenantId;
        this.sellerTenant = sellerTenant;
        this.currency = currency;
        this.anchorDay = anchorDay;
        this.timeZone = timeZone;
        this.balance = BigDecimal.ZERO;
        this.createdAt = createdAt;
    }
}
