package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.util.UUID;

/** A seller's tax rate (percent) for customers in a country, or in one region of it. */
@Entity(name = "BillingTaxRate")
@Table(name = "billing_tax_rate")
public class TaxRateEntity {
    @Id
    UUID id;
    @Column(name = "seller_tenant")
    UUID sellerTenant;
    String country;
    String region;
    BigDecimal rate;
    String name;

    protected TaxRateEntity() {
    }

    TaxRateEntity(UUID sellerTenant, String country, String region, BigDecimal rate, String name) {
        this.id = UUID.randomUUID();
        this.sellerTenant = sellerTenant;
        this.country = country;
        this.region = region;
        this.rate = rate;
        this.name = name;
    }
}
