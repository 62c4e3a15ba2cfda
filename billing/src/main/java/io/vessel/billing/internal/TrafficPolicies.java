package io.vessel.billing.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.Notifier;
import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.billing.api.TrafficPolicy;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plan's monthly traffic allowance with the THROTTLE or SUSPEND policy (BILL needs nothing here: the overage is a
 * usage line). Every minute (and with {@code POST /billing/dunning}) each VE billed through such a plan is checked:
 * once its external traffic out since the start of the account's current month passes the allowance, it is
 * throttled to the plan's rate (both directions) or suspended, the tenant is told, and the action is recorded; when
 * the month is over, exactly what was done is undone (the rate it had before, or resumed).
 */
@Component(service = {TrafficPolicies.class, ScheduledTask.class}, property = {ScheduledTask.NAME + "=billing.traffic",
        ScheduledTask.CRON + "=* * * * *"})
public final class TrafficPolicies implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(TrafficPolicies.class);
    static final String THROTTLE = "THROTTLE";
    static final String SUSPEND = "SUSPEND";

    private final Database database;
    private final BillingClock clock;
    private final VeService ves;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile UsageService usage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Notifier notifier;

    @Activate
    public TrafficPolicies(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                           @Reference BillingClock clock, @Reference VeService ves) {
        this.database = database;
        this.clock = clock;
        this.ves = ves;
    }

    @Override
    public void run(TaskRun run) {
        if (clock.movable()) {
            return; // on the test clock, checked when asked for (POST /billing/dunning), as dunning is
        }
        checkAll(tenant -> true);
    }

    /** Lifts what a finished month's actions did, then takes what this month's traffic calls for; answers what was done. */
    List<Dunning.Outcome> checkAll(Predicate<UUID> visible) {
        List<Dunning.Outcome> outcomes = new ArrayList<>();
        liftFinished(visible, outcomes);
        UsageService meter = usage;
        if (meter == null) {
            return outcomes;
        }
        Instant now = clock.instant();
        record Candidate(SubscriptionEntity subscription, PlanQuotas quotas, BillingCalendar.Period month) {
        }
        List<Candidate> candidates = database.inTransaction(em -> {
            List<Candidate> out = new ArrayList<>();
            for (SubscriptionEntity s : em.createQuery("select s from BillingSubscription s where s.endedAt is null and s.veId is not null",
                    SubscriptionEntity.class).getResultList()) {
                if (!visible.test(s.tenantId) || s.cancelAt != null && !now.isBefore(s.cancelAt)) {
                    continue;
                }
                PlanQuotas q = Subscriptions.plan(em, s).quotas();
                if (q.trafficGiB() == null || q.trafficPolicy() == null || q.trafficPolicy() == TrafficPolicy.BILL) {
                    continue;
                }
                BillingCalendar.Period month = AccountsResource.calendar(em.find(AccountEntity.class, s.tenantId)).containing(now, BillingPeriod.MONTH);
                boolean taken = !em.createQuery("select a.id from BillingTrafficAction a where a.subscriptionId = :s and a.periodStart = :p", UUID.class)
                        .setParameter("s", s.id).setParameter("p", month.start()).getResultList().isEmpty();
                if (!taken) {
                    out.add(new Candidate(s, q, month));
                }
            }
            return out;
        });
        for (Candidate c : candidates) {
            long used = sentSince(meter, c.subscription().veId, c.month().start(), now);
            if (used <= c.quotas().trafficGiB() << 30) {
                continue;
            }
            take(c.subscription(), c.quotas(), c.month(), used).ifPresent(action ->
                    outcomes.add(new Dunning.Outcome(c.subscription().tenantId, 0, List.of("traffic-" + action.toLowerCase(java.util.Locale.ROOT)))));
        }
        return outcomes;
    }

    /** External bytes the VE sent from {@code from} to {@code now}, from the kernel's durable counters. */
    private static long sentSince(UsageService meter, int ve, Instant from, Instant now) {
        Long then = meter.storedAtOrBefore(ve, from).map(UsageSample::netExternalTxBytesTotal).orElse(0L);
        Long latest = meter.storedAtOrBefore(ve, now).map(UsageSample::netExternalTxBytesTotal).orElse(0L);
        return Math.max(0, (latest == null ? 0 : latest) - (then == null ? 0 : then));
    }

    private Optional<String> take(SubscriptionEntity s, PlanQuotas quotas, BillingCalendar.Period month, long used) {
        Optional<VirtualEnvironment> ve = ves.find(s.veId);
        if (ve.isEmpty() || ve.get().state() == VeState.DESTROYED) {
            return Optional.empty();
        }
        String action = quotas.trafficPolicy() == TrafficPolicy.THROTTLE ? THROTTLE : SUSPEND;
        TrafficActionEntity record = new TrafficActionEntity(s, action, month.start(), month.end(), clock.instant());
        try {
            if (action.equals(THROTTLE)) {
                VeLimits current = ve.get().limits();
                record.previousInBps = current == null || current.netInBitsPerSecond() == null ? 0L : current.netInBitsPerSecond();
                record.previousOutBps = current == null || current.netOutBitsPerSecond() == null ? 0L : current.netOutBitsPerSecond();
                long rate = quotas.throttleMbit() * 1_000_000L;
                ves.update(s.veId, null, rate(rate, rate));
            } else if (ve.get().state() == VeState.RUNNING) {
                ves.suspend(s.veId);
            }
        } catch (RuntimeException e) {
            LOG.warn("Traffic allowance action failed ve={} action={}: {}", s.veId, action, e.getMessage());
            return Optional.empty();
        }
        database.inTransaction(em -> {
            em.persist(record);
            return null;
        });
        LOG.info("Traffic allowance used up ve={} tenant={} usedBytes={} allowanceGiB={} action={}", s.veId, s.tenantId, used, quotas.trafficGiB(), action);
        notify(s.tenantId, action, s.veId, quotas, month);
        return Optional.of(action);
    }

    /** Undoes the actions whose month is over: the rate the VE had before, or resumed if billing suspended it. */
    private void liftFinished(Predicate<UUID> visible, List<Dunning.Outcome> outcomes) {
        Instant now = clock.instant();
        List<TrafficActionEntity> due = database.inTransaction(em -> em.createQuery("select a from BillingTrafficAction a where a.liftedAt is null"
                + " and a.periodEnd <= :now", TrafficActionEntity.class).setParameter("now", now).getResultList()).stream()
                .filter(a -> visible.test(a.tenantId)).toList();
        for (TrafficActionEntity a : due) {
            try {
                Optional<VirtualEnvironment> ve = ves.find(a.veId);
                if (ve.isPresent() && a.action.equals(THROTTLE)) {
                    ves.update(a.veId, null, rate(a.previousInBps == null ? 0 : a.previousInBps, a.previousOutBps == null ? 0 : a.previousOutBps));
                } else if (ve.isPresent() && ve.get().state() == VeState.SUSPENDED) {
                    ves.resume(a.veId);
                }
            } catch (RuntimeException e) {
                LOG.warn("Traffic allowance action not undone yet ve={} action={}: {}", a.veId, a.action, e.getMessage());
                continue;
            }
            database.inTransaction(em -> {
                em.find(TrafficActionEntity.class, a.id).liftedAt = now;
                return null;
            });
            LOG.info("Traffic allowance renewed ve={} undone={}", a.veId, a.action);
            outcomes.add(new Dunning.Outcome(a.tenantId, 0, List.of("traffic-renewed")));
        }
    }

    /** Limits that change only the network rates (0: none). */
    private static VeLimits rate(long inBps, long outBps) {
        return new VeLimits(null, null, null, null, null, null, null, null, null, null, null, null, inBps, outBps, null);
    }

    private void notify(UUID tenant, String action, int ve, PlanQuotas quotas, BillingCalendar.Period month) {
        Notifier n = notifier;
        if (n == null) {
            return;
        }
        String what = action.equals(THROTTLE) ? "limited to " + quotas.throttleMbit() + " Mbit/s" : "suspended";
        n.notifyTenant(tenant, new Notification(action.equals(THROTTLE) ? "billing.traffic.throttled" : "billing.traffic.suspended",
                "VE " + ve + " used its traffic allowance", "VE " + ve + " sent more than the " + quotas.trafficGiB() + " GiB its plan includes this month;"
                + " it is " + what + " until " + month.end() + ".", Map.of("ve", ve, "allowanceGiB", quotas.trafficGiB(), "until", month.end().toString())));
    }
}
