package io.vessel.billing.internal;

import io.vessel.billing.api.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** Amounts as the API shows them: decimal strings at the currency's minor unit ({@code 15.00}; {@code 1500} for JPY). */
final class Amounts {

    private Amounts() {
    }

    static String of(BigDecimal amount, String currency) {
        return new Money(amount, Money.currency(currency)).rounded(RoundingMode.HALF_UP).amount().toPlainString();
    }
}
