package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A seller's tax settings: where it is established, its tax id, and whether its prices include tax. */
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

    protected SellerEntity() {
    }

    SellerEntity(UUID tenantId) {
        this.tenantId = tenantId;
    }
}
