package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanDefinition;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a subscription owes at {@code now} beyond what was invoiced: the setup fee once; for monthly and yearly plans
 * the recurring price <em>in advance</em> up to the end of the period {@code now} is in (one line per period, each
 * prorated exactly to the second), or a credit for time invoiced in advance that the subscription did not run (it
 * was cancelled since); for hourly plans the started hours <em>in arrears</em>, month by month, each month capped at
 * the plan's monthly cap, up to the last month that is over (or up to the end of a subscription that ended).
 * Pure: the billing run applies the result and moves the subscription's watermark in the same transaction.
 */
final class RecurringCharges {

    /** A line before it belongs to an invoice; {@code amount} is rounded to the currency's minor unit. */
    record Charge(String kind, String description, BigDecimal quantity, BigDecimal unitPrice, BigDecimal amount, Instant from, Instant to) {
    }

    /** The charges, and the watermark and setup flag the subscription has once they are invoiced. */
    record Due(List<Charge> charges, Instant invoicedUntil, boolean setupInvoiced) {
    }

    /** A subscription as far as charging goes. */
    record Subscription(Instant startedAt, Instant trialEndsAt, Instant cancelAt, Instant endedAt, Instant invoicedUntil, boolean setupInvoiced) {

        static Subscription of(SubscriptionEntity s) {
            return new Subscription(s.startedAt, s.trialEndsAt, s.cancelAt, s.endedAt, s.invoicedUntil, s.setupInvoiced);
        }

        /** The part of {@code period} the subscription is charged for: after its trial, until it ends or is cancelled (empty: from ≥ to). */
        BillingCalendar.Period runsIn(BillingCalendar.Period period) {
            return new BillingCalendar.Period(latest(latest(period.start(), startedAt), trialEndsAt),
                    earliest(earliest(period.end(), endedAt), cancelAt));
        }
    }

    private RecurringCharges() {
    }

    static Due due(Subscription s, PlanDefinition plan, BillingCalendar calendar, Instant now) {
        List<Charge> charges = new ArrayList<>();
        boolean setupInvoiced = s.setupInvoiced();
        if (!setupInvoiced && !s.startedAt().isAfter(now)) {
            if (plan.setupFee().signum() > 0) {
                charges.add(new Charge("setup", "Setup of " + plan.name(), BigDecimal.ONE, plan.setupFee(), round(plan, plan.setupFee()),
                        s.startedAt(), s.startedAt()));
            }
            setupInvoiced = true;
        }
        Instant chargedFrom = latest(s.startedAt(), s.trialEndsAt());
        Instant watermark = s.invoicedUntil() == null ? chargedFrom : latest(s.invoicedUntil(), chargedFrom);
        Instant stop = earliest(s.endedAt(), s.cancelAt());
        if (plan.period() == BillingPeriod.HOUR) {
            Instant upTo = stop != null && !stop.isAfter(now) ? stop : calendar.containing(now, BillingPeriod.MONTH).start();
            if (stop != null && stop.isBefore(upTo)) {
                upTo = stop;
            }
            while (upTo.isAfter(watermark)) {
                BillingCalendar.Period month = calendar.containing(watermark, BillingPeriod.MONTH);
                Instant to = month.end().isBefore(upTo) ? month.end() : upTo;
                long hours = BillingCalendar.startedHours(watermark, to);
                BigDecimal amount = plan.price().multiply(BigDecimal.valueOf(hours));
                boolean capped = plan.monthlyCap() != null && amount.compareTo(plan.monthlyCap()) > 0;
                charges.add(new Charge("recurring", plan.name() + " (" + hours + " h" + (capped ? ", monthly cap" : "") + ")", BigDecimal.valueOf(hours),
                        plan.price(), round(plan, capped ? plan.monthlyCap() : amount), watermark, to));
                watermark = to;
            }
            return new Due(charges, watermark, setupInvoiced);
        }
        Instant upTo = calendar.containing(now, plan.period()).end();
        if (stop != null && stop.isBefore(upTo)) {
            upTo = stop;
        }
        if (upTo.isAfter(watermark)) {
            for (Instant from = watermark; from.isBefore(upTo); ) {
                BillingCalendar.Period period = calendar.containing(from, plan.period());
                Instant to = period.end().isBefore(upTo) ? period.end() : upTo;
                charges.add(prorated("recurring", plan.name(), plan, period, from, to, BigDecimal.ONE));
                from = to;
            }
            return new Due(charges, upTo, setupInvoiced);
        }
        Instant creditFrom = latest(upTo, chargedFrom);
        if (s.invoicedUntil() != null && s.invoicedUntil().isAfter(creditFrom)) {
            // invoiced in advance beyond where it now stops: credit the part it will not run
            for (Instant from = creditFrom; from.isBefore(s.invoicedUntil()); ) {
                BillingCalendar.Period period = calendar.containing(from, plan.period());
                Instant to = period.end().isBefore(s.invoicedUntil()) ? period.end() : s.invoicedUntil();
                charges.add(prorated("credit", "Unused " + plan.name(), plan, period, from, to, BigDecimal.ONE.negate()));
                from = to;
            }
            return new Due(charges, creditFrom, setupInvoiced);
        }
        return new Due(charges, s.invoicedUntil(), setupInvoiced);
    }

    private static Charge prorated(String kind, String name, PlanDefinition plan, BillingCalendar.Period period, Instant from, Instant to, BigDecimal sign) {
        BigDecimal share = BillingCalendar.share(period, from, to);
        BigDecimal quantity = share.setScale(9, RoundingMode.HALF_UP).stripTrailingZeros();
        if (quantity.scale() < 0) {
            quantity = quantity.setScale(0);
        }
        return new Charge(kind, name, quantity.multiply(sign), plan.price(), round(plan, plan.price().multiply(share).multiply(sign)), from, to);
    }

    private static BigDecimal round(PlanDefinition plan, BigDecimal amount) {
        return new Money(amount, plan.currency()).rounded(RoundingMode.HALF_UP).amount();
    }

    static Instant latest(Instant a, Instant b) {
        return b != null && b.isAfter(a) ? b : a;
    }

    static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b != null && b.isBefore(a) ? b : a;
    }
}
