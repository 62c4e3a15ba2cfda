package io.vessel.billing.internal;

import io.vessel.billing.api.Money;
import java.math.BigDecimal;
import io.vessel.web.api.Problem;
import java.math.RoundingMode;
import java.util.List;

/** Amounts as the API shows them: decimal strings at the currency's minor unit ({@code 15.00}; {@code 1500} for JPY). */
final class Amounts {

    private Amounts() {
    }

    static String of(BigDecimal amount, String currency) {
        return new Money(amount, Money.currency(currency)).rounded(RoundingMode.HALF_UP).amount().toPlainString();
    }

    /** An amount a request names in its {@code amount} field (null when absent); not a number: {@code 422}. */
    static BigDecimal parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw PlansResource.unprocessable("amount is not a decimal string.", List.of(new Problem.FieldError("amount", "a decimal string such as \"20.00\"")));
        }
    }

    /** Refuses ({@code 422}) an amount of money finer than the currency's minor unit: "A payment in EUR has at most 2 decimals." */
    static void requireMinorUnits(BigDecimal amount, String currency, String what) {
        int digits = Money.currency(currency).getDefaultFractionDigits();
        if (amount.stripTrailingZeros().scale() > digits) {
            throw PlansResource.unprocessable("A " + what + " in " + currency + " has at most " + digits + " decimals.",
                    List.of(new Problem.FieldError("amount", "too many decimals")));
        }
    }
}
