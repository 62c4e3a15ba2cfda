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
 * When the plan says suspended subscriptions do not accrue ({@link PlanDefinition#suspendedAccrues()} false), the
 * time its VE was suspended or stopped by billing is taken off: hours wholly suspended are not counted for hourly
 * plans; for monthly and yearly plans, paid in advance, the suspended time that has passed is credited on the next
 * document (a second watermark, {@code suspensionCreditedUntil}, so it is credited once).
 * Pure: the billing run applies the result and moves the subscription's watermarks in the same transaction.
 */
final class RecurringCharges {

    /** A line before it belongs to an invoice; {@code amount} is rounded to the currency's minor unit. */
    record Charge(String kind, String description, BigDecimal quantity, BigDecimal unitPrice, BigDecimal amount, Instant from, Instant to) {
    }

    /** The charges, and the watermark and setup flag the subscription has once they are invoiced. */
    record Due(List<Charge> charges, Instant invoicedUntil, boolean setupInvoiced, Instant suspensionCreditedUntil) {

        Due(List<Charge> charges, Instant invoicedUntil, boolean setupInvoiced) {
            this(charges, invoicedUntil, setupInvoiced, null);
        }
    }

    /** A subscription as far as charging goes. */
    record Subscription(Instant startedAt, Instant trialEndsAt, Instant cancelAt, Instant endedAt, Instant invoicedUntil, boolean setupInvoiced,
                        Instant suspensionCreditedUntil) {

        Subscription(Instant startedAt, Instant trialEndsAt, Instant cancelAt, Instant endedAt, Instant invoicedUntil, boolean setupInvoiced) {
            this(startedAt, trialEndsAt, cancelAt, endedAt, invoicedUntil, setupInvoiced, null);
        }

        static Subscription of(SubscriptionEntity s) {
            return new Subscription(s.startedAt, s.trialEndsAt, s.cancelAt, s.endedAt, s.invoicedUntil, s.setupInvoiced, s.suspensionCreditedUntil);
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
        return due(s, plan, calendar, now, List.of());
    }

    /** As {@link #due(Subscription, PlanDefinition, BillingCalendar, Instant)}, with the times billing held the subscription's VE. */
    static Due due(Subscription s, PlanDefinition plan, BillingCalendar calendar, Instant now, List<BillingCalendar.Period> suspended) {
        List<BillingCalendar.Period> off = plan.suspendedAccrues() ? List.of() : merged(suspended, now);
        Due due = charged(s, plan, calendar, now, off);
        if (off.isEmpty() || plan.period() == BillingPeriod.HOUR) {
            return new Due(due.charges(), due.invoicedUntil(), due.setupInvoiced(), s.suspensionCreditedUntil());
        }
        // paid in advance: credit the suspended time that has passed within what is invoiced, once
        Instant chargedFrom = latest(s.startedAt(), s.trialEndsAt());
        Instant from = s.suspensionCreditedUntil() == null ? chargedFrom : latest(s.suspensionCreditedUntil(), chargedFrom);
        Instant to = earliest(earliest(now, due.invoicedUntil()), earliest(s.endedAt(), s.cancelAt()));
        if (to == null || !to.isAfter(from)) {
            return new Due(due.charges(), due.invoicedUntil(), due.setupInvoiced(), s.suspensionCreditedUntil());
        }
        List<Charge> charges = new ArrayList<>(due.charges());
        for (BillingCalendar.Period held : off) {
            Instant a = latest(held.start(), from);
            Instant b = earliest(held.end(), to);
            for (Instant t = a; t.isBefore(b); ) {
                BillingCalendar.Period period = calendar.containing(t, plan.period());
                Instant end = period.end().isBefore(b) ? period.end() : b;
                charges.add(prorated("credit", "Suspended " + plan.name(), plan, period, t, end, BigDecimal.ONE.negate()));
                t = end;
            }
        }
        return new Due(charges, due.invoicedUntil(), due.setupInvoiced(), to);
    }

    /** The held times in order, overlapping ones joined; an open one ({@code end} null) lasts until {@code now}. */
    static List<BillingCalendar.Period> merged(List<BillingCalendar.Period> held, Instant now) {
        List<BillingCalendar.Period> sorted = held.stream().map(p -> new BillingCalendar.Period(p.start(), p.end() == null || p.end().isAfter(now) ? now : p.end()))
                .filter(p -> p.end().isAfter(p.start())).sorted(java.util.Comparator.comparing(BillingCalendar.Period::start)).toList();
        List<BillingCalendar.Period> out = new ArrayList<>();
        for (BillingCalendar.Period p : sorted) {
            BillingCalendar.Period last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !p.start().isAfter(last.end())) {
                out.set(out.size() - 1, new BillingCalendar.Period(last.start(), latest(last.end(), p.end())));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** The whole UTC hours within [from, to) that {@code off} (merged) covers entirely. */
    static long wholeHoursHeld(List<BillingCalendar.Period> off, Instant from, Instant to) {
        long hours = 0;
        for (BillingCalendar.Period held : off) {
            Instant a = latest(held.start(), from);
            Instant b = earliest(held.end(), to);
            if (!b.isAfter(a)) {
                continue;
            }
            Instant firstWhole = a.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
            if (firstWhole.isBefore(a)) {
                firstWhole = firstWhole.plusSeconds(3600);
            }
            Instant lastWhole = b.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
            if (lastWhole.isAfter(firstWhole)) {
                hours += java.time.Duration.between(firstWhole, lastWhole).toHours();
            }
        }
        return hours;
    }

    private static Due charged(Subscription s, PlanDefinition plan, BillingCalendar calendar, Instant now, List<BillingCalendar.Period> off) {
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
                long hours = Math.max(0, BillingCalendar.startedHours(watermark, to) - wholeHoursHeld(off, watermark, to));
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
