package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.billing.api.PluginMeter;
import io.vessel.billing.api.UsageRecorder;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Usage lines of plugin meters: each complete billing period of a subscription is rated once from the events in it,
 * by the meter's aggregation, and remembered ({@code billing_meter_period}); events that arrive late for a rated
 * period still within the correction window change its quantity, and the difference in cost is billed as a
 * correction line. Included units apply per period.
 */
final class PluginMeterCharges {

    private static final int QUANTITY_SCALE = 9;

    private PluginMeterCharges() {
    }

    static List<RecurringCharges.Charge> due(EntityManager em, SubscriptionEntity s, PlanDefinition plan, BillingCalendar calendar, Instant cutoff,
                                             Instant now, Map<String, PluginMeters.Info> meters) {
        List<RecurringCharges.Charge> charges = new ArrayList<>();
        for (MeterCharge charge : plan.charges()) {
            PluginMeters.Info meter = meters.get(charge.meter());
            if (meter == null) {
                continue; // a built-in meter, or a plugin meter not known now (its periods wait for it)
            }
            Scope scope = Scope.of(em, s, charge.meter());
            correct(em, s, plan, charge, meter, scope, now, charges);
            rateNew(em, s, plan, charge, meter, scope, calendar, cutoff, now, charges);
        }
        return charges;
    }

    /** Re-rates the periods still open for corrections; a changed cost becomes a correction line. */
    private static void correct(EntityManager em, SubscriptionEntity s, PlanDefinition plan, MeterCharge charge, PluginMeters.Info meter, Scope scope,
                                Instant now, List<RecurringCharges.Charge> charges) {
        List<MeterPeriodEntity> open = em.createQuery("select p from BillingMeterPeriod p where p.subscriptionId = :s and p.meter = :m and p.periodEnd >= :w"
                        + " order by p.periodStart", MeterPeriodEntity.class).setParameter("s", s.id).setParameter("m", charge.meter())
                .setParameter("w", now.minus(Duration.ofDays(UsageRecorder.CORRECTION_WINDOW_DAYS))).getResultList();
        for (MeterPeriodEntity period : open) {
            Instant from = period.periodStart.isBefore(s.startedAt) ? s.startedAt : period.periodStart;
            BigDecimal quantity = quantity(em, scope, meter, from, period.periodEnd);
            BigDecimal amount = UsageCharges.amount(charge, plan, quantity);
            if (quantity.compareTo(period.quantity) == 0 && amount.compareTo(period.amount) == 0) {
                continue;
            }
            charges.add(new RecurringCharges.Charge("correction", "Correction: " + meter.description() + ", " + dates(from, period.periodEnd),
                    quantity.subtract(period.quantity).stripTrailingZeros(), BigDecimal.ZERO, amount.subtract(period.amount), from, period.periodEnd));
            period.quantity = quantity;
            period.amount = amount;
            period.ratedAt = now;
        }
    }

    /** Rates the periods complete by {@code cutoff} that were not rated yet. */
    private static void rateNew(EntityManager em, SubscriptionEntity s, PlanDefinition plan, MeterCharge charge, PluginMeters.Info meter, Scope scope,
                                BillingCalendar calendar, Instant cutoff, Instant now, List<RecurringCharges.Charge> charges) {
        Instant rated = em.createQuery("select max(p.periodEnd) from BillingMeterPeriod p where p.subscriptionId = :s and p.meter = :m", Instant.class)
                .setParameter("s", s.id).setParameter("m", charge.meter()).getSingleResult();
        Instant from = rated != null ? rated : s.startedAt;
        BillingCalendar.Period period = calendar.containing(from, BillingPeriod.MONTH);
        while (period.start().isBefore(cutoff)) {
            Instant start = period.start().isBefore(s.startedAt) ? s.startedAt : period.start();
            Instant end = s.endedAt != null && s.endedAt.isBefore(period.end()) ? s.endedAt : period.end();
            boolean complete = !end.isAfter(cutoff) && (end.equals(period.end()) || end.equals(s.endedAt));
            if (!complete || !start.isBefore(end)) {
                break;
            }
            BigDecimal quantity = quantity(em, scope, meter, start, end);
            em.persist(new MeterPeriodEntity(s.id, charge.meter(), period.start(), end, quantity, UsageCharges.amount(charge, plan, quantity), now));
            if (quantity.signum() > 0) {
                charges.add(UsageCharges.line(charge, meter.description(), plan, quantity, start, end));
            }
            if (end.equals(s.endedAt)) {
                break;
            }
            period = calendar.next(period, BillingPeriod.MONTH);
        }
    }

    private static String dates(Instant from, Instant to) {
        return from.atZone(ZoneOffset.UTC).toLocalDate() + " to " + to.atZone(ZoneOffset.UTC).toLocalDate();
    }

    /**
     * Whose events a subscription is billed for: its VE's, or, for a subscription without a VE, the tenant's events
     * that no other subscription of the tenant charging the same meter is bound to by its VE.
     */
    record Scope(java.util.UUID tenant, Integer ve, Set<Integer> excluded) {

        static Scope of(EntityManager em, SubscriptionEntity s, String meter) {
            if (s.veId != null) {
                return new Scope(s.tenantId, s.veId, Set.of());
            }
            Set<Integer> bound = new HashSet<>();
            for (SubscriptionEntity other : Subscriptions.of(em, s.tenantId)) {
                if (other.veId != null && other.endedAt == null && Subscriptions.plan(em, other).charges().stream().anyMatch(c -> c.meter().equals(meter))) {
                    bound.add(other.veId);
                }
            }
            return new Scope(s.tenantId, null, bound);
        }

        boolean covers(UsageEventEntity e) {
            return ve != null ? ve.equals(e.veId) : e.veId == null || !excluded.contains(e.veId);
        }
    }

    /** The quantity of [from, to) by the meter's aggregation. */
    static BigDecimal quantity(EntityManager em, Scope scope, PluginMeters.Info meter, Instant from, Instant to) {
        boolean carried = meter.aggregation() == PluginMeter.Aggregation.TIME_WEIGHTED_SUM;
        // a time-weighted value carries in from before the period: from the events of the two months before it (such a
        // meter reports at least monthly)
        Instant since = carried ? from.minus(Duration.ofDays(62)) : from;
        List<UsageEventEntity> events = em.createQuery("select e from BillingUsageEvent e where e.tenantId = :t and e.meter = :m and e.at >= :since"
                        + " and e.at < :to order by e.at, e.receivedAt", UsageEventEntity.class).setParameter("t", scope.tenant())
                .setParameter("m", meter.name()).setParameter("since", since).setParameter("to", to).getResultList().stream().filter(scope::covers).toList();
        return aggregate(meter.aggregation(), events, from, to);
    }

    /** A period's quantity from its events (oldest first; for TIME_WEIGHTED_SUM, earlier ones carry in). */
    static BigDecimal aggregate(PluginMeter.Aggregation aggregation, List<UsageEventEntity> all, Instant from, Instant to) {
        List<UsageEventEntity> events = aggregation == PluginMeter.Aggregation.TIME_WEIGHTED_SUM ? all
                : all.stream().filter(e -> !e.at.isBefore(from) && e.at.isBefore(to)).toList();
        BigDecimal q = switch (aggregation) {
            case SUM -> events.stream().map(e -> e.value).reduce(BigDecimal.ZERO, BigDecimal::add);
            case MAX -> events.stream().map(e -> e.value).max(Comparator.naturalOrder()).orElse(BigDecimal.ZERO);
            case LATEST -> events.isEmpty() ? BigDecimal.ZERO : events.get(events.size() - 1).value;
            case COUNT_UNIQUE -> BigDecimal.valueOf(events.stream().map(e -> e.unique).collect(Collectors.toSet()).size());
            case TIME_WEIGHTED_SUM -> timeWeighted(events, from, to);
        };
        return q.setScale(QUANTITY_SCALE, RoundingMode.HALF_UP);
    }

    /** Σ value × hours over [from, to), each VE's value holding from its event until its next (the one before {@code from} carrying in). */
    private static BigDecimal timeWeighted(List<UsageEventEntity> events, Instant from, Instant to) {
        Map<Integer, List<UsageEventEntity>> byVe = events.stream().collect(Collectors.groupingBy(e -> e.veId == null ? -1 : e.veId));
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal millisPerHour = BigDecimal.valueOf(3_600_000L);
        for (List<UsageEventEntity> series : byVe.values()) {
            for (int i = 0; i < series.size(); i++) {
                Instant start = series.get(i).at.isBefore(from) ? from : series.get(i).at;
                Instant end = i + 1 < series.size() ? series.get(i + 1).at : to;
                if (end.isAfter(to)) {
                    end = to;
                }
                if (end.isAfter(start)) {
                    total = total.add(series.get(i).value.multiply(BigDecimal.valueOf(Duration.between(start, end).toMillis()))
                            .divide(millisPerHour, QUANTITY_SCALE + 3, RoundingMode.HALF_UP));
                }
            }
        }
        return total;
    }
}
