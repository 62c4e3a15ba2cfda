package io.vessel.billing.api;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;

/**
 * One version of a plan: what a subscription to it costs and grants. Versions never change once made; editing a
 * plan makes a new version, and subscriptions keep theirs until they are moved.
 *
 * @param price             the recurring price per {@code period} (per started hour for {@link BillingPeriod#HOUR})
 * @param monthlyCap        for hourly plans: the most a month of hours costs (null: no cap)
 * @param suspendedAccrues  whether a suspended subscription keeps accruing the recurring price
 * @param backupSchedule    when the plan's VEs are backed up (null: only as their owners schedule)
 */
public record PlanDefinition(String name, Currency currency, BillingPeriod period, BigDecimal price, BigDecimal monthlyCap,
                             BigDecimal setupFee, int trialDays, boolean suspendedAccrues, PlanQuotas quotas, List<MeterCharge> charges,
                             PlanBackupSchedule backupSchedule) {

    /** A version without a backup schedule (as before 0.6). */
    public PlanDefinition(String name, Currency currency, BillingPeriod period, BigDecimal price, BigDecimal monthlyCap,
                          BigDecimal setupFee, int trialDays, boolean suspendedAccrues, PlanQuotas quotas, List<MeterCharge> charges) {
        this(name, currency, period, price, monthlyCap, setupFee, trialDays, suspendedAccrues, quotas, charges, null);
    }
}
