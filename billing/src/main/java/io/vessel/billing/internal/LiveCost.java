package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
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
 * end at the rate of the usage so far. Read from the same durable counters the billing run rates, as of the newest
 * sample (every 10 s). Nothing is written.
 */
final class LiveCost {

    /** One subscription's share; amounts are decimal strings. */
    public record Line(String kind, String description, UUID subscription, Integer ve, String soFar, String projected) {
    }

    public record Cost(UUID tenant, String currency, Instant periodStart, Instant periodEnd, Instant at, List<Line> lines, String soFar,
                       String projected) {
    }

    private LiveCost() {
    }

    static Cost of(EntityManager em, AccountEntity account, UsageService usage, Instant now, Predicate<SubscriptionEntity> which) {
        BillingCalendar calendar = AccountsResource.calendar(account);
        BillingCalendar.Period period = calendar.containing(now, BillingPeriod.MONTH);
        List<Line> lines = new ArrayList<>();
        BigDecimal soFar = BigDecimal.ZERO;
        BigDecimal projected = BigDecimal.ZERO;
        List<SubscriptionEntity> subscriptions = em.createQuery("select s from BillingSubscription s where s.tenantId = :t order by s.startedAt",
                SubscriptionEntity.class).setParameter("t", account.tenantId).getResultList();
        for (SubscriptionEntity s : subscriptions) {
            if (!which.test(s)) {
                continue;
            }
            PlanDefinition plan = PlanJson.read(PlansResource.version(em, em.find(PlanEntity.class, s.planId), s.planVersion));
            Instant from = latest(period.start(), s.startedAt, s.trialEndsAt);
            Instant to = earliest(period.end(), s.endedAt, s.cancelAt);
            if (!to.isAfter(from)) {
                continue;
            }
            Instant until = now.isBefore(to) ? now : to;
            BigDecimal[] recurring = recurring(plan, calendar, from, until, to);
            lines.add(new Line("recurring", plan.name(), s.id, s.veId, round(recurring[0], plan), round(recurring[1], plan)));
            soFar = soFar.add(recurring[0]);
            projected = projected.add(recurring[1]);
            if (usage != null && s.veId != null) {
                for (MeterCharge charge : plan.charges()) {
                    UsageCharges.Counter counter = UsageCharges.COUNTERS.get(charge.meter());
                    if (counter == null) {
                        continue;
                    }
                    Optional<UsageSample> first = usage.storedAtOrBefore(s.veId, from);
                    Optional<UsageSample> last = usage.storedAtOrBefore(s.veId, until);
                    if (last.isEmpty() || counter.value().apply(last.get()) == null) {
                        continue;
                    }
                    long base = first.map(counter.value()).map(v -> v == null ? 0L : v).orElse(0L);
                    BigDecimal used = BigDecimal.valueOf(counter.value().apply(last.get()) - base).max(BigDecimal.ZERO)
                            .divide(counter.unit(), 9, RoundingMode.HALF_UP);
                    long elapsed = Math.max(1, Duration.between(from, until).toSeconds());
                    BigDecimal expected = used.multiply(BigDecimal.valueOf(Duration.between(from, to).toSeconds()))
                            .divide(BigDecimal.valueOf(elapsed), MathContext.DECIMAL128);
                    BigDecimal costSoFar = charge.price().charge(used.subtract(charge.included()).max(BigDecimal.ZERO));
                    BigDecimal costProjected = charge.price().charge(expected.subtract(charge.included()).max(BigDecimal.ZERO));
                    lines.add(new Line("usage", counter.description(), s.id, s.veId, round(costSoFar, plan), round(costProjected, plan)));
                    soFar = soFar.add(costSoFar);
                    projected = projected.add(costProjected);
                }
            }
        }
        return new Cost(account.tenantId, account.currency, period.start(), period.end(), now, lines, Amounts.of(soFar, account.currency),
                Amounts.of(projected, account.currency));
    }

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

    private static String round(BigDecimal amount, PlanDefinition plan) {
        return new Money(amount, plan.currency()).rounded(RoundingMode.HALF_UP).amount().toPlainString();
    }

    private static Instant latest(Instant a, Instant b, Instant c) {
        Instant max = a;
        for (Instant x : new Instant[] {b, c}) {
            if (x != null && x.isAfter(max)) {
                max = x;
            }
        }
        return max;
    }

    private static Instant earliest(Instant a, Instant b, Instant c) {
        Instant min = a;
        for (Instant x : new Instant[] {b, c}) {
            if (x != null && x.isBefore(min)) {
                min = x;
            }
        }
        return min;
    }
}
