package io.vessel.billing.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An exact amount in one currency. Amounts are {@link BigDecimal} throughout billing (never {@code double}: an
 * architecture test holds the bundle to it); {@link #rounded} brings one to the currency's minor unit (ISO 4217:
 * cents for EUR, none for JPY, mills for BHD), which is what a document's lines and totals carry.
 */
public record Money(BigDecimal amount, Currency currency) {

    public Money {
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
    }

    /** {@code Money.of("12.30", "EUR")}; an unknown currency code is refused naming it. */
    public static Money of(String amount, String currencyCode) {
        return new Money(new BigDecimal(amount), currency(currencyCode));
    }

    public static Money zero(Currency currency) {
        return new Money(BigDecimal.ZERO, currency);
    }

    /** The ISO 4217 currency of a code, or an {@link InvalidPriceException} on {@code currency} naming it. */
    public static Currency currency(String code) {
        try {
            return Currency.getInstance(code == null ? "" : code.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidPriceException("currency", "'" + code + "' is not an ISO 4217 currency code");
        }
    }

    /** Digits after the decimal point of the currency's minor unit (2 for EUR, 0 for JPY, 3 for BHD). */
    public int minorDigits() {
        return Math.max(0, currency.getDefaultFractionDigits());
    }

    public Money rounded(RoundingMode mode) {
        return new Money(amount.setScale(minorDigits(), mode), currency);
    }

    public Money plus(Money other) {
        return new Money(amount.add(same(other).amount), currency);
    }

    public Money minus(Money other) {
        return new Money(amount.subtract(same(other).amount), currency);
    }

    public Money times(BigDecimal factor) {
        return new Money(amount.multiply(factor), currency);
    }

    public boolean isNegative() {
        return amount.signum() < 0;
    }

    private Money same(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return other;
    }

    /**
     * Splits this amount (in whole minor units) by weights so that the parts add up to it exactly: each part is its
     * exact share rounded down, and the minor units left over go to the parts that lost the most by rounding (the
     * earlier on a tie). Proration credits and per-line taxes are split this way, so no cent is lost or made.
     */
    public java.util.List<Money> allocate(java.util.List<BigDecimal> weights) {
        int digits = minorDigits();
        BigDecimal units = amount.movePointRight(digits);
        if (units.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException(this + " has more decimals than its currency's minor unit; round it first");
        }
        BigDecimal sum = weights.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        if (weights.isEmpty() || sum.signum() <= 0 || weights.stream().anyMatch(w -> w.signum() < 0)) {
            throw new IllegalArgumentException("weights must be 0 or more and not all 0");
        }
        java.math.BigInteger whole = units.toBigIntegerExact();
        java.math.BigInteger sign = java.math.BigInteger.valueOf(whole.signum() < 0 ? -1 : 1);
        BigDecimal magnitude = new BigDecimal(whole.abs());
        java.math.BigInteger[] parts = new java.math.BigInteger[weights.size()];
        BigDecimal[] lost = new BigDecimal[weights.size()];
        java.math.BigInteger given = java.math.BigInteger.ZERO;
        for (int i = 0; i < parts.length; i++) {
            BigDecimal exact = magnitude.multiply(weights.get(i)).divide(sum, java.math.MathContext.DECIMAL128);
            parts[i] = exact.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
            lost[i] = exact.subtract(new BigDecimal(parts[i]));
            given = given.add(parts[i]);
        }
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> lost[b].compareTo(lost[a]) != 0 ? lost[b].compareTo(lost[a]) : Integer.compare(a, b));
        java.math.BigInteger left = whole.abs().subtract(given);
        for (int k = 0; left.signum() > 0; k = (k + 1) % parts.length, left = left.subtract(java.math.BigInteger.ONE)) {
            parts[order.get(k)] = parts[order.get(k)].add(java.math.BigInteger.ONE);
        }
        java.util.List<Money> out = new java.util.ArrayList<>();
        for (java.math.BigInteger part : parts) {
            out.add(new Money(new BigDecimal(part.multiply(sign), digits), currency));
        }
        return out;
    }

    /** {@code 12.30 EUR}: the amount as a plain decimal string (JSON carries it as a string, never a number). */
    @Override
    public String toString() {
        return amount.toPlainString() + " " + currency.getCurrencyCode();
    }
}
