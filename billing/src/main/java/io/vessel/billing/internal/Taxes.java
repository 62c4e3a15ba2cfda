package io.vessel.billing.internal;

import io.vessel.billing.api.Money;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.List;

/**
 * The tax on a document. The rate is the seller's for the customer's country and region (the region's own rate
 * first); a business customer with a tax id in another country than the seller's pays none (reverse charge, said on
 * the document); no rate configured, no tax. The tax is computed once on the document's total at that rate, not per
 * line (EN 16931), rounded half-up to the minor unit; with tax-inclusive prices the net is taken out of the total
 * and the tax is the difference, so the total stays what the prices add up to. Prepaid credit is not taxed when it
 * is bought but when it pays an invoice (the invoice carries the tax).
 */
final class Taxes {

    /** How an account is taxed: a rate in percent (null: none), its name, a note for the document. */
    record Treatment(BigDecimal rate, String name, String note, boolean pricesIncludeTax) {
        static final Treatment NONE = new Treatment(null, null, null, false);
    }

    /** What a document shows. */
    record Amounts(BigDecimal subtotal, BigDecimal tax, BigDecimal total) {
    }

    private Taxes() {
    }

    /** A rate a document may carry: a percentage from 0 to 100 with at most 4 decimals (the column's scale). */
    static boolean validRate(BigDecimal percent) {
        return percent.signum() >= 0 && percent.compareTo(BigDecimal.valueOf(100)) <= 0 && percent.stripTrailingZeros().scale() <= 4;
    }

    static Treatment treatment(EntityManager em, AccountEntity account) {
        SellerEntity seller = em.find(SellerEntity.class, account.sellerTenant);
        if (seller == null) {
            return Treatment.NONE;
        }
        if (account.taxId != null && account.country != null && seller.country != null && !account.country.equals(seller.country)) {
            return new Treatment(BigDecimal.ZERO, "Reverse charge", "Reverse charge: VAT is accounted for by the recipient (" + account.taxId + ").",
                    seller.pricesIncludeTax);
        }
        if (account.country == null) {
            return new Treatment(null, null, null, seller.pricesIncludeTax);
        }
        List<TaxRateEntity> rates = em.createQuery("select r from BillingTaxRate r where r.sellerTenant = :s and r.country = :c", TaxRateEntity.class)
                .setParameter("s", account.sellerTenant).setParameter("c", account.country).getResultList();
        TaxRateEntity chosen = rates.stream().filter(r -> r.region != null && r.region.equalsIgnoreCase(account.region)).findFirst()
                .orElse(rates.stream().filter(r -> r.region == null).findFirst().orElse(null));
        return chosen == null ? new Treatment(null, null, null, seller.pricesIncludeTax)
                : new Treatment(chosen.rate, chosen.name, null, seller.pricesIncludeTax);
    }

    static Amounts apply(BigDecimal lines, Treatment t, Currency currency) {
        if (t.rate() == null || t.rate().signum() == 0) {
            return new Amounts(lines, BigDecimal.ZERO, lines);
        }
        BigDecimal percent = t.rate().movePointLeft(2);
        if (t.pricesIncludeTax()) {
            BigDecimal net = round(lines.divide(BigDecimal.ONE.add(percent), MathContext.DECIMAL128), currency);
            return new Amounts(net, lines.subtract(net), lines);
        }
        BigDecimal tax = round(lines.multiply(percent), currency);
        return new Amounts(lines, tax, lines.add(tax));
    }

    private static BigDecimal round(BigDecimal amount, Currency currency) {
        return new Money(amount, currency).rounded(RoundingMode.HALF_UP).amount();
    }
}
