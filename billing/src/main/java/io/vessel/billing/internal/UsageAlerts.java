package io.vessel.billing.internal;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.Meters;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Alerts at 80 % and 100 % of what a plan includes: the included units of each metered charge, and the monthly
 * traffic allowance, for the usage of the subscription's VE since the start of the account's current period (or the
 * subscription's start). Each alert is sent once per subscription, meter and period (a row in
 * {@code billing_usage_alert}, written in the caller's transaction). Usage is read as the live cost reads it: the
 * VE's newest sample against the stored sample at the period's start.
 */
final class UsageAlerts {

    static final int[] LEVELS = {80, 100};

    /** One alert to send. */
    record Alert(UUID subscription, int ve, String meter, String description, int level, BigDecimal used, BigDecimal included) {
    }

    private UsageAlerts() {
    }

    static List<Alert> due(EntityManager em, AccountEntity account, UsageService usage, Instant now) {
        List<Alert> out = new ArrayList<>();
        if (usage == null) {
            return out;
        }
        BillingCalendar.Period period = AccountsResource.calendar(account).containing(now, BillingPeriod.MONTH);
        for (SubscriptionEntity s : Subscriptions.of(em, account.tenantId)) {
            if (s.veId == null || s.endedAt != null && !s.endedAt.isAfter(period.start())) {
                continue;
            }
            Map<String, BigDecimal> included = included(Subscriptions.plan(em, s));
            if (included.isEmpty()) {
                continue;
            }
            Instant from = RecurringCharges.latest(period.start(), s.startedAt);
            Optional<UsageSample> newest = usage.current(s.veId).or(() -> usage.storedAtOrBefore(s.veId, now));
            if (newest.isEmpty()) {
                continue;
            }
            Optional<UsageSample> base = usage.storedAtOrBefore(s.veId, from);
            for (Map.Entry<String, BigDecimal> e : included.entrySet()) {
                UsageCharges.Counter counter = UsageCharges.COUNTERS.get(e.getKey());
                Optional<BigDecimal> measured = counter.usedBetween(base, newest.get());
                if (measured.isEmpty()) {
                    continue;
                }
                BigDecimal used = measured.get();
                for (int level : LEVELS) {
                    BigDecimal threshold = e.getValue().multiply(BigDecimal.valueOf(level)).movePointLeft(2);
                    if (used.compareTo(threshold) >= 0
                            && em.find(UsageAlertEntity.class, new UsageAlertEntity.Key(s.id, e.getKey(), period.start(), level)) == null) {
                        em.persist(new UsageAlertEntity(s, e.getKey(), period.start(), level, used, e.getValue(), now));
                        out.add(new Alert(s.id, s.veId, e.getKey(), counter.description(), level, used, e.getValue()));
                    }
                }
            }
        }
        return out;
    }

    /** What the plan includes per kernel meter: included units of its charges, and its traffic allowance (the smaller if both). */
    static Map<String, BigDecimal> included(PlanDefinition plan) {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        for (MeterCharge charge : plan.charges()) {
            if (charge.included().signum() > 0 && UsageCharges.COUNTERS.containsKey(charge.meter())) {
                out.put(charge.meter(), charge.included());
            }
        }
        PlanQuotas quotas = plan.quotas();
        if (quotas != null && quotas.trafficGiB() != null && quotas.trafficGiB() > 0) {
            out.merge(Meters.EGRESS_GIB, BigDecimal.valueOf(quotas.trafficGiB()), BigDecimal::min);
        }
        return out;
    }
}
