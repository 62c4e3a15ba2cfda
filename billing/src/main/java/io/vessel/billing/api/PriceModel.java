package io.vessel.billing.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * How a quantity of a meter's units is priced. {@link #charge} is exact (not rounded: rounding happens once, on
 * the invoice line, in the currency's minor unit). Prices are non-negative with at most {@value #MAX_PRICE_SCALE}
 * decimals; a model that breaks a rule is refused with the field named.
 */
public sealed interface PriceModel permits PriceModel.PerUnit, PriceModel.Graduated, PriceModel.Volume, PriceModel.Package {

    int MAX_PRICE_SCALE = 6;

    /** The exact charge for {@code quantity} (≥ 0) units. */
    BigDecimal charge(BigDecimal quantity);

    /** Every unit at one price. */
    record PerUnit(BigDecimal unitPrice) implements PriceModel {
        public PerUnit {
            checkPrice("unitPrice", unitPrice);
        }

        @Override
        public BigDecimal charge(BigDecimal quantity) {
            return checkQuantity(quantity).multiply(unitPrice);
        }
    }

    /** Each unit priced by the tier it falls in (the first 100 GiB at one price, the next at another, …). */
    record Graduated(List<Tier> tiers) implements PriceModel {
        public Graduated {
            tiers = checkTiers(tiers);
        }

        @Override
        public BigDecimal charge(BigDecimal quantity) {
            checkQuantity(quantity);
            BigDecimal total = BigDecimal.ZERO;
            BigDecimal lower = BigDecimal.ZERO;
            for (Tier tier : tiers) {
                if (quantity.compareTo(lower) <= 0) {
                    break; // no unit reaches this tier (nor its flat fee)
                }
                BigDecimal upper = tier.upTo() == null ? quantity : tier.upTo().min(quantity);
                total = total.add(upper.subtract(lower).multiply(tier.unitPrice())).add(tier.flatFee());
                if (tier.upTo() == null) {
                    break;
                }
                lower = tier.upTo();
            }
            return total;
        }
    }

    /** All units at the price of the tier the whole quantity falls in (500 GiB in the 100–1000 tier: all 500 at its price). */
    record Volume(List<Tier> tiers) implements PriceModel {
        public Volume {
            tiers = checkTiers(tiers);
        }

        @Override
        public BigDecimal charge(BigDecimal quantity) {
            checkQuantity(quantity);
            if (quantity.signum() == 0) {
                return BigDecimal.ZERO;
            }
            for (Tier tier : tiers) {
                if (tier.upTo() == null || quantity.compareTo(tier.upTo()) <= 0) {
                    return quantity.multiply(tier.unitPrice()).add(tier.flatFee());
                }
            }
            throw new IllegalStateException("the last tier has no upper bound");
        }
    }

    /** Per started block of {@code blockSize} units (10 GiB blocks: 11 GiB costs two blocks). */
    record Package(BigDecimal blockSize, BigDecimal blockPrice) implements PriceModel {
        public Package {
            if (blockSize == null || blockSize.signum() <= 0) {
                throw new InvalidPriceException("blockSize", "must be more than 0");
            }
            checkPrice("blockPrice", blockPrice);
        }

        @Override
        public BigDecimal charge(BigDecimal quantity) {
            BigDecimal blocks = checkQuantity(quantity).divide(blockSize, 0, RoundingMode.CEILING);
            return blocks.multiply(blockPrice);
        }
    }

    private static BigDecimal checkQuantity(BigDecimal quantity) {
        if (quantity == null || quantity.signum() < 0) {
            throw new InvalidPriceException("quantity", "must be 0 or more");
        }
        return quantity;
    }

    private static void checkPrice(String field, BigDecimal price) {
        if (price == null) {
            throw new InvalidPriceException(field, "is required");
        }
        if (price.signum() < 0) {
            throw new InvalidPriceException(field, "must not be negative (" + price.toPlainString() + ")");
        }
        if (price.stripTrailingZeros().scale() > MAX_PRICE_SCALE) {
            throw new InvalidPriceException(field, "has more than " + MAX_PRICE_SCALE + " decimals (" + price.toPlainString() + ")");
        }
    }

    /** Tiers in rising order of their bounds, only the last one open-ended, prices valid. */
    private static List<Tier> checkTiers(List<Tier> tiers) {
        if (tiers == null || tiers.isEmpty()) {
            throw new InvalidPriceException("tiers", "at least one tier is needed");
        }
        BigDecimal previous = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            String at = "tiers[" + i + "]";
            checkPrice(at + ".unitPrice", tier.unitPrice());
            checkPrice(at + ".flatFee", tier.flatFee());
            boolean last = i == tiers.size() - 1;
            if (tier.upTo() == null && !last) {
                throw new InvalidPriceException(at + ".upTo", "only the last tier may be open-ended");
            }
            if (tier.upTo() != null && last) {
                throw new InvalidPriceException(at + ".upTo", "the last tier must be open-ended (no upTo)");
            }
            if (tier.upTo() != null && tier.upTo().compareTo(previous) <= 0) {
                throw new InvalidPriceException(at + ".upTo", "tiers overlap: " + tier.upTo().toPlainString() + " is not above "
                        + previous.toPlainString());
            }
            previous = tier.upTo() == null ? previous : tier.upTo();
        }
        return List.copyOf(tiers);
    }
}
