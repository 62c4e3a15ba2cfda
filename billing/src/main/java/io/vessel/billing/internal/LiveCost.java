package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * What the current period costs so far, and where it is heading: each subscription's recurring price for the part
 * of the period it has run (and will run), and its metered usage since the period began, projected to the period's
 * end at its recent rate (the last day's). Read from the same durable counters the billing run rates, as of the newest
 * sample (every 10 s). Nothing is written.
 */
final class LiveCost {

    /**
     * One subscription's share; amounts are decimal strings. Usage lines also say which meter, how much of it was used
     * so far this period and how much the plan includes (in the meter's unit).
     */
    public record Line(String kind, String description, UUID subscription, Integer ve, String soFar, String projected, String meter, String used,
                       String included) {
    }

    /** What one VE's subscriptions cost: the sum of their lines. */
    public record VeCost(int ve, String soFar, String projected) {
    }

    /** {@code ves}: the cost per VE (lines of subscriptions that bill a VE), for lists of VEs. */
    public record Cost(UUID tenant, String currency, Instant periodStart, Instant periodEnd, Instant at, List<Line> lines, String soFar,
                       String projected, List<VeCost> ves) {
    }

    /** One calendar day's cost (in the account's time zone), for the chart of daily cost. */
    public record Day(java.time.LocalDate date, String amount) {
    }

    /** A VE's cost per day of the current period, up to today. */
    public record DailyCost(int ve, String currency, Instant periodStart, Instant periodEnd, List<Day> days) {
    }

    private LiveCost() {
    }

    /** The cost of one VE's subscriptions (its account's newest that bills it); empty when no subscription bills it. */
    static Optional<Cost> ofVe(EntityManager em, int ve, UsageService usage, Instant now) {
        List<SubscriptionEntity> billed = em.createQuery("select s from BillingSubscription s where s.veId = :v order by s.startedAt desc",
                SubscriptionEntity.class).setParameter("v", ve).setMaxResults(1).getResultList();
        if (billed.isEmpty()) {
            return Optional.empty();
        }
        AccountEntity account = em.find(AccountEntity.class, billed.get(0).tenantId);
        return Optional.of(of(em, account, usage, now, s -> Integer.valueOf(ve).equals(s.veId)));
    }

    static Cost of(EntityManager em, AccountEntity account, UsageService usage, Instant now, Predicate<SubscriptionEntity> which) {
        BillingCalendar calendar = AccountsResource.calendar(account);
        BillingCalendar.Period period = calendar.containing(now, BillingPeriod.MONTH);
        List<Line> lines = new ArrayList<>();
        BigDecimal soFar = BigDecimal.ZERO;
        BigDecimal projected = BigDecimal.ZERO;
        for (SubscriptionEntity s : Subscriptions.of(em, account.tenantId)) {
            if (!which.test(s)) {
                continue;
            }
            PlanDefinition plan = Subscriptions.plan(em, s);
            BillingCalendar.Period runs = RecurringCharges.Subscription.of(s).runsIn(period);
            Instant from = runs.start();
            Instant to = runs.end();
            if (!to.isAfter(from)) {
                continue;
            }
            Instant until = now.isBefore(to) ? now : to;
            BigDecimal[] recurring = recurring(plan, calendar, from, until, to);
            lines.add(new Line("recurring", plan.name(), s.id, s.veId, Amounts.of(recurring[0], account.currency), Amounts.of(recurring[1], account.currency),
                    null, null, null));
            soFar = soFar.add(recurring[0]);
            projected = projected.add(recurring[1]);
            if (usage != null && s.veId != null) {
                for (MeterCharge charge : plan.charges()) {
                    UsageCharges.Counter counter = UsageCharges.COUNTERS.get(charge.meter());
                    if (counter == null) {
                        continue;
                    }
                    Optional<UsageSample> last = usage.storedAtOrBefore(s.veId, until);
                    Optional<BigDecimal> measured = last.flatMap(l -> counter.usedBetween(usage.storedAtOrBefore(s.veId, from), l));
                    if (measured.isEmpty()) {
                        continue;
                    }
                    BigDecimal used = measured.get();
                    BigDecimal expected = used.add(rest(counter, usage, s.veId, from, until, to, last.get(), used));
                    BigDecimal costSoFar = UsageCharges.cost(charge, used);
                    BigDecimal costProjected = UsageCharges.cost(charge, expected);
                    lines.add(new Line("usage", counter.description(), s.id, s.veId, Amounts.of(costSoFar, account.currency), Amounts.of(costProjected, account.currency),
                            charge.meter(), used.setScale(6, java.math.RoundingMode.DOWN).stripTrailingZeros().toPlainString(),
                            charge.included().stripTrailingZeros().toPlainString()));
                    soFar = soFar.add(costSoFar);
                    projected = projected.add(costProjected);
                }
            }
        }
        return new Cost(account.tenantId, account.currency, period.start(), period.end(), now, lines, Amounts.of(soFar, account.currency),
                Amounts.of(projected, account.currency), perVe(lines, account.currency));
    }

    private static List<VeCost> perVe(List<Line> lines, String currency) {
        java.util.Map<Integer, BigDecimal[]> sums = new java.util.TreeMap<>();
        for (Line l : lines) {
            if (l.ve() != null) {
                BigDecimal[] sum = sums.computeIfAbsent(l.ve(), v -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                sum[0] = sum[0].add(new BigDecimal(l.soFar()));
                sum[1] = sum[1].add(new BigDecimal(l.projected()));
            }
        }
        return sums.entrySet().stream().map(e -> new VeCost(e.getKey(), Amounts.of(e.getValue()[0], currency), Amounts.of(e.getValue()[1], currency)))
                .toList();
    }

    /**
     * What a VE cost on each day of the current period so far: the difference of its cost so far at the day's end
     * and at its start (the same rating as the live figure, so the days add up to it; a day's share of a monthly
     * price and of the usage the day saw, tiers and included units counted across the period).
     */
    static Optional<DailyCost> daily(EntityManager em, int ve, UsageService usage, Instant now) {
        Optional<Cost> today = ofVe(em, ve, usage, now);
        if (today.isEmpty()) {
            return Optional.empty();
        }
        AccountEntity account = em.find(AccountEntity.class, today.get().tenant());
        java.time.ZoneId zone = java.time.ZoneId.of(account.timeZone);
        Instant start = today.get().periodStart();
        List<Day> days = new ArrayList<>();
        BigDecimal before = BigDecimal.ZERO;
        for (java.time.LocalDate day = start.atZone(zone).toLocalDate(); !day.atStartOfDay(zone).toInstant().isAfter(now) && days.size() < 32;
             day = day.plusDays(1)) {
            Instant end = day.plusDays(1).atStartOfDay(zone).toInstant();
            BigDecimal upTo = end.isBefore(now) ? new BigDecimal(ofVe(em, ve, usage, end).map(Cost::soFar).orElse("0")) : new BigDecimal(today.get().soFar());
            days.add(new Day(day, Amounts.of(upTo.subtract(before).max(BigDecimal.ZERO), account.currency)));
            before = upTo;
        }
        return Optional.of(new DailyCost(ve, account.currency, start, today.get().periodEnd(), days));
    }

    /**
     * How much more of a meter the rest of the period [until, to) will use at the recent rate: that of the last
     * {@link #RECENT} (or of the period so far, when it is shorter or the samples that far back are gone) — a VE that
     * got busy yesterday is projected busy, not at its average since the period began.
     */
    static BigDecimal rest(UsageCharges.Counter counter, UsageService usage, int ve, Instant from, Instant until, Instant to, UsageSample last,
                                   BigDecimal usedSinceFrom) {
        long remaining = Duration.between(until, to).toSeconds();
        if (remaining <= 0) {
            return BigDecimal.ZERO;
        }
        Instant windowStart = until.minus(RECENT).isAfter(from) ? until.minus(RECENT) : from;
        Optional<BigDecimal> recent = windowStart.equals(from) ? Optional.of(usedSinceFrom)
                : counter.usedBetween(usage.storedAtOrBefore(ve, windowStart), last);
        if (recent.isEmpty()) {
            recent = Optional.of(usedSinceFrom);
            windowStart = from;
        }
        long window = Math.max(1, Duration.between(windowStart, until).toSeconds());
        return recent.get().multiply(BigDecimal.valueOf(remaining)).divide(BigDecimal.valueOf(window), MathContext.DECIMAL128);
    }

    /** The window whose usage rate projects the rest of the period: a day, so that daily cycles even out. */
    static final Duration RECENT = Duration.ofHours(24);

    /** The recurring price for [from, until) so far and for [from, to) in all. */
    private static BigDecimal[] recurring(PlanDefinition plan, BillingCalendar calendar, Instant from, Instant until, Instant to) {
        if (plan.period() == BillingPeriod.HOUR) {
            BigDecimal soFar = plan.price().multiply(BigDecimal.valueOf(BillingCalendar.startedHours(from, until)));
            BigDecimal all = plan.price().multiply(BigDecimal.valueOf(BillingCalendar.startedHours(from, to)));
            if (plan.monthlyCap() != null) {
                soFar = soFar.min(plan.monthlyCap());
                all = all.min(plan.monthlyCap());
            }
            return new BigDecimal[] {soFar, all};
        }
        BillingCalendar.Period own = calendar.containing(from, plan.period());
        return new BigDecimal[] {plan.price().multiply(BillingCalendar.share(own, from, until)), plan.price().multiply(BillingCalendar.share(own, from, to))};
    }
}
