package io.vessel.billing.api;

import java.math.BigDecimal;

/**
 * One step of a tiered price: units up to and including {@code upTo} (null: no upper bound, only for the last
 * tier) cost {@code unitPrice} each, and reaching the tier costs {@code flatFee} once.
 */
public record Tier(BigDecimal upTo, BigDecimal unitPrice, BigDecimal flatFee) {

    public Tier {
        if (unitPrice == null) {
            throw new InvalidPriceException("tiers.unitPrice", "is required");
        }
        flatFee = flatFee == null ? BigDecimal.ZERO : flatFee;
    }

    public static Tier upTo(String upTo, String unitPrice) {
        return new Tier(upTo == null ? null : new BigDecimal(upTo), new BigDecimal(unitPrice), BigDecimal.ZERO);
    }
}
