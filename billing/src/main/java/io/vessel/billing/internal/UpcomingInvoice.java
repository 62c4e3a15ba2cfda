package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanDefinition;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The draft of an account's invoice for the period it is in: each subscription's recurring price for the part of the
 * period it runs (after its trial, until it ends or is cancelled), prorated exactly to the second, and setup fees of
 * subscriptions started in the period. Each line is rounded to the currency's minor unit (half-up), and the total is
 * the sum of the rounded lines. Usage in arrears, credits, taxes and numbering come with the billing run.
 */
final class UpcomingInvoice {

    /** One line; amounts are decimal strings. */
    public record Line(String kind, String description, String subscription, String quantity, String unitPrice, String amount,
                       Instant from, Instant to) {
    }

    public record Draft(String tenant, String currency, Instant periodStart, Instant periodEnd, List<Line> lines, String total) {
    }

    private final Clock clock;

    UpcomingInvoice(Clock clock) {
        this.clock = clock;
    }

    Draft draft(EntityManager em, AccountEntity account) {
        BillingCalendar calendar = AccountsResource.calendar(account);
        Instant now = clock.instant();
        BillingCalendar.Period period = calendar.containing(now, BillingPeriod.MONTH);
        Money total = Money.zero(Money.currency(account.currency));
        List<Line> lines = new ArrayList<>();
        for (SubscriptionEntity s : Subscriptions.of(em, account.tenantId)) {
            PlanDefinition d = Subscriptions.plan(em, s);
            BillingCalendar.Period runs = RecurringCharges.Subscription.of(s).runsIn(period);
            Instant from = runs.start();
            Instant to = runs.end();
            if (d.setupFee().signum() > 0 && period.contains(s.startedAt)) {
                Money fee = new Money(d.setupFee(), d.currency()).rounded(RoundingMode.HALF_UP);
                lines.add(new Line("setup", "Setup of " + d.name(), s.id.toString(), "1", d.setupFee().toPlainString(), fee.amount().toPlainString(),
                        s.startedAt, s.startedAt));
                total = total.plus(fee);
            }
            if (!to.isAfter(from)) {
                continue;
            }
            BigDecimal quantity;
            if (d.period() == BillingPeriod.HOUR) {
                quantity = BigDecimal.valueOf(BillingCalendar.startedHours(from, to));
            } else {
                BillingCalendar.Period own = calendar.containing(from, d.period());
                quantity = BillingCalendar.share(own, from, to).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
            }
            Money amount = new Money(d.price().multiply(quantity), d.currency());
            if (d.period() == BillingPeriod.HOUR && d.monthlyCap() != null && amount.amount().compareTo(d.monthlyCap()) > 0) {
                amount = new Money(d.monthlyCap(), d.currency());
            }
            amount = amount.rounded(RoundingMode.HALF_UP);
            lines.add(new Line("recurring", d.name() + (d.period() == BillingPeriod.HOUR ? " (hours)" : ""), s.id.toString(), quantity.toPlainString(),
                    d.price().toPlainString(), amount.amount().toPlainString(), from, to));
            total = total.plus(amount);
        }
        return new Draft(account.tenantId.toString(), account.currency, period.start(), period.end(), lines,
                total.rounded(RoundingMode.HALF_UP).amount().toPlainString());
    }
}
