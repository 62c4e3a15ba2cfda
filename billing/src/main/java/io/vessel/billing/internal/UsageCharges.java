package io.vessel.billing.internal;

import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.Meters;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Usage lines in arrears, rated from the kernel layer's durable accounting store — never from in-memory events, which
 * a {@code kill -9} or another node's process would lose. For each counter meter a plan charges, the usage is the
 * difference of the VE's exact lifetime counter between the sample billed last (the watermark) and the newest stored
 * sample before the start of the account's current period (so a period is billed once it is over); included units
 * come off first, the rest is priced by the meter's price model. The watermark moves in the billing run's
 * transaction: a re-run finds nothing new, a crash loses nothing. The time-weighted meters (memory GiB-hours, disk
 * GiB-months, IP and VE hours) are rated the same way, from the time integrals the kernel layer keeps as lifetime
 * totals beside its counters (its gap rule decides how unmeasured time counts).
 */
final class UsageCharges {

    /** A counter meter: which lifetime counter, and how many of its units make one of the meter's. */
    record Counter(String description, Function<UsageSample, Long> value, BigDecimal unit) {

        /** How far the counter moved, in the meter's unit (never below 0). */
        BigDecimal units(BigDecimal from, long to) {
            return BigDecimal.valueOf(to).subtract(from).max(BigDecimal.ZERO).divide(unit, 9, RoundingMode.HALF_UP);
        }

        /**
         * How far the counter moved from the sample {@code base} (none: from zero, a VE's counters start there) to
         * {@code last}, in the meter's unit; empty when {@code last} does not carry this counter.
         */
        Optional<BigDecimal> usedBetween(Optional<UsageSample> base, UsageSample last) {
            Long to = value.apply(last);
            if (to == null) {
                return Optional.empty();
            }
            Long from = base.map(value).orElse(null);
            return Optional.of(units(BigDecimal.valueOf(from == null ? 0 : from), to));
        }
    }

    /** What {@code quantity} of a meter costs once its included units are taken off (exact, not rounded). */
    static BigDecimal cost(MeterCharge charge, BigDecimal quantity) {
        return charge.price().charge(billable(charge, quantity));
    }

    private static BigDecimal billable(MeterCharge charge, BigDecimal quantity) {
        return quantity.subtract(charge.included()).max(BigDecimal.ZERO);
    }

    private static final long KIB_PER_GIB = 1L << 20;

    static final Map<String, Counter> COUNTERS = Map.of(
            Meters.CPU_SECONDS, new Counter("CPU time (seconds)", UsageSample::cpuNanosTotal, BigDecimal.valueOf(1_000_000_000L)),
            // external traffic only: what a VE exchanges with the other VEs on its bridge costs the provider nothing
            Meters.EGRESS_GIB, new Counter("Traffic out (GiB)", UsageSample::netExternalTxBytesTotal, BigDecimal.valueOf(1L << 30)),
            Meters.INGRESS_GIB, new Counter("Traffic in (GiB)", UsageSample::netExternalRxBytesTotal, BigDecimal.valueOf(1L << 30)),
            Meters.MEMORY_GIB_HOURS, new Counter("Memory (GiB-hours)", UsageSample::memoryKibSecondsTotal, BigDecimal.valueOf(KIB_PER_GIB * 3600)),
            Meters.DISK_GIB_MONTHS, new Counter("Disk space (GiB-months)", UsageSample::diskKibSecondsTotal,
                    BigDecimal.valueOf(KIB_PER_GIB * Meters.HOURS_PER_MONTH * 3600)),
            Meters.VE_HOURS, new Counter("Running time (hours)", UsageSample::runningMillisTotal, BigDecimal.valueOf(3_600_000L)),
            Meters.IP_HOURS, new Counter("IP addresses (address-hours)", UsageSample::addressMillisTotal, BigDecimal.valueOf(3_600_000L)));

    private UsageCharges() {
    }

    /**
     * Sets the subscription's watermarks where its VE's counters stand as it starts (called when it is made, so usage
     * from then on counts even if samples come with earlier times, as under billing's test clock).
     */
    static void baseline(EntityManager em, UsageService usage, SubscriptionEntity s, PlanDefinition plan) {
        if (usage == null || s.veId == null) {
            return;
        }
        for (MeterCharge charge : plan.charges()) {
            Counter counter = COUNTERS.get(charge.meter());
            if (counter != null) {
                markOf(em, usage, s, charge.meter(), counter);
            }
        }
    }

    /**
     * The subscription's watermark of a meter, made at the counter's value as of the subscription's start if there is
     * none yet (a VE never sampled by then counts from its beginning: its lifetime counters started at zero).
     */
    private static UsageMarkEntity markOf(EntityManager em, UsageService usage, SubscriptionEntity s, String meter, Counter counter) {
        UsageMarkEntity mark = em.find(UsageMarkEntity.class, new UsageMarkEntity.Key(s.id, meter));
        if (mark == null) {
            Start start = Start.of(usage, s.veId, s.startedAt, counter, Instant.EPOCH);
            mark = new UsageMarkEntity(s.id, meter, start.at(), start.counter());
            em.persist(mark);
        }
        return mark;
    }

    /**
     * Where a VE's counter stood when a subscription started: the newest sample by then, or, with none, the counter at
     * zero as of {@code none}.
     */
    private record Start(Instant at, BigDecimal counter) {
        static Start of(UsageService usage, int ve, Instant startedAt, Counter counter, Instant none) {
            Optional<UsageSample> atStart = usage.storedAtOrBefore(ve, startedAt);
            Long base = atStart.map(counter.value()).orElse(0L);
            return new Start(atStart.map(UsageSample::at).orElse(none), BigDecimal.valueOf(base == null ? 0 : base));
        }
    }

    /**
     * The usage lines of a subscription up to {@code cutoff}. With {@code calendar}, a period may be invoiced in parts
     * (up to a cutoff inside it, then the rest): each part is priced on top of what the period had already invoiced
     * — cost(before + part) − cost(before) — so tiers and included units count once per period.
     */
    static List<RecurringCharges.Charge> due(EntityManager em, UsageService usage, SubscriptionEntity s, PlanDefinition plan, Instant cutoff,
                                             io.vessel.billing.api.BillingCalendar calendar) {
        List<RecurringCharges.Charge> charges = new ArrayList<>();
        if (usage == null || s.veId == null) {
            return charges;
        }
        for (MeterCharge charge : plan.charges()) {
            Counter counter = COUNTERS.get(charge.meter());
            if (counter == null) {
                continue;
            }
            Optional<UsageSample> newest = usage.storedAtOrBefore(s.veId, cutoff);
            if (newest.isEmpty() || counter.value().apply(newest.get()) == null) {
                continue;
            }
            UsageMarkEntity mark = markOf(em, usage, s, charge.meter(), counter);
            UsageSample sample = newest.get();
            if (!sample.at().isAfter(mark.sampleAt)) {
                continue;
            }
            BigDecimal quantity = counter.units(mark.counter, counter.value().apply(sample));
            Instant from = mark.sampleAt;
            mark.sampleAt = sample.at();
            mark.counter = BigDecimal.valueOf(counter.value().apply(sample));
            BigDecimal before = BigDecimal.ZERO;
            if (calendar != null) {
                // the period this part ends in (a watermark's start may lie long before, e.g. a VE sampled before it was billed)
                io.vessel.billing.api.BillingCalendar.Period period = calendar.containing(sample.at(), io.vessel.billing.api.BillingPeriod.MONTH);
                before = period.start().equals(mark.periodStart) ? mark.periodQuantity : BigDecimal.ZERO;
                boolean partOfPeriod = cutoff.isBefore(period.end()); // the cutoff lies inside it: the rest comes later
                mark.periodStart = partOfPeriod ? period.start() : null;
                mark.periodQuantity = partOfPeriod ? before.add(quantity) : BigDecimal.ZERO;
            }
            if (quantity.signum() == 0) {
                continue;
            }
            charges.add(before.signum() == 0 ? line(charge, counter.description(), plan, quantity, from, sample.at())
                    : lineOnTop(charge, counter.description(), plan, before, quantity, from, sample.at()));
        }
        return charges;
    }

    /**
     * Usage of every VE in {@code ves} (a reseller's customers' VEs, billed wholesale) as one line per meter: the sum
     * of each VE's counter movement since its own watermark, priced together (tiers apply to the total). A VE seen
     * for the first time counts from the subscription's start, or from its first stored sample if it came later.
     */
    static List<RecurringCharges.Charge> dueAcross(EntityManager em, UsageService usage, SubscriptionEntity s, PlanDefinition plan, Instant cutoff,
                                                   java.util.Collection<Integer> ves) {
        List<RecurringCharges.Charge> charges = new ArrayList<>();
        if (usage == null) {
            return charges;
        }
        java.util.Set<Integer> all = new java.util.TreeSet<>(ves);
        all.addAll(em.createQuery("select distinct m.veId from BillingVeUsageMark m where m.subscriptionId = :s", Integer.class)
                .setParameter("s", s.id).getResultList());
        for (MeterCharge charge : plan.charges()) {
            Counter counter = COUNTERS.get(charge.meter());
            if (counter == null) {
                continue;
            }
            BigDecimal quantity = BigDecimal.ZERO;
            Instant from = null;
            Instant to = null;
            for (int ve : all) {
                Optional<UsageSample> newest = usage.storedAtOrBefore(ve, cutoff);
                Long value = newest.map(counter.value()).orElse(null);
                if (value == null) {
                    continue;
                }
                VeUsageMarkEntity mark = em.find(VeUsageMarkEntity.class, new VeUsageMarkEntity.Key(s.id, charge.meter(), ve));
                if (mark == null) {
                    Start start = Start.of(usage, ve, s.startedAt, counter, s.startedAt);
                    mark = new VeUsageMarkEntity(s.id, charge.meter(), ve, start.at(), start.counter());
                    em.persist(mark);
                }
                if (!newest.get().at().isAfter(mark.sampleAt)) {
                    continue;
                }
                quantity = quantity.add(counter.units(mark.counter, value));
                from = from == null || mark.sampleAt.isBefore(from) ? mark.sampleAt : from;
                to = to == null || newest.get().at().isAfter(to) ? newest.get().at() : to;
                mark.sampleAt = newest.get().at();
                mark.counter = BigDecimal.valueOf(value);
            }
            if (quantity.signum() == 0) {
                continue;
            }
            charges.add(line(charge, counter.description(), plan, quantity, from, to));
        }
        return charges;
    }

    /** What {@code quantity} of a meter costs once its included units are taken off, rounded to the currency. */
    static BigDecimal amount(MeterCharge charge, PlanDefinition plan, BigDecimal quantity) {
        return new Money(cost(charge, quantity), plan.currency()).rounded(RoundingMode.HALF_UP).amount();
    }

    /** The line for {@code quantity} more of a meter in a period that had {@code before} invoiced already. */
    static RecurringCharges.Charge lineOnTop(MeterCharge charge, String description, PlanDefinition plan, BigDecimal before, BigDecimal quantity,
                                             Instant from, Instant to) {
        BigDecimal amount = amount(charge, plan, before.add(quantity)).subtract(amount(charge, plan, before));
        BigDecimal unitPrice = amount.divide(quantity, 6, RoundingMode.HALF_UP);
        return new RecurringCharges.Charge("usage", description + ", on top of " + before.stripTrailingZeros().toPlainString()
                + " invoiced this period", quantity.stripTrailingZeros(), unitPrice, amount, from, to);
    }

    /**
     * The usage line for {@code quantity} of a meter (built-in or a plugin's, {@code description} saying which):
     * included units off, priced, rounded to the currency.
     */
    static RecurringCharges.Charge line(MeterCharge charge, String description, PlanDefinition plan, BigDecimal quantity, Instant from, Instant to) {
        BigDecimal billable = billable(charge, quantity);
        BigDecimal cost = cost(charge, quantity);
        BigDecimal unitPrice = billable.signum() == 0 ? BigDecimal.ZERO : cost.divide(billable, 6, RoundingMode.HALF_UP);
        String described = description + (charge.included().signum() > 0 ? ", " + charge.included().stripTrailingZeros().toPlainString()
                + " included" : "");
        return new RecurringCharges.Charge("usage", described, quantity.stripTrailingZeros(), unitPrice, amount(charge, plan, quantity), from, to);
    }
}
