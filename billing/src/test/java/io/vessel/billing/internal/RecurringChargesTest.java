package io.vessel.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.billing.api.PlanQuotas;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecurringChargesTest {

    private static final BillingCalendar BERLIN = new BillingCalendar(ZoneId.of("Europe/Berlin"), 1, 1);

    private static PlanDefinition plan(BillingPeriod period, String price, String cap, String setup, int trialDays) {
        return plan(period, price, cap, setup, trialDays, true);
    }

    private static PlanDefinition plan(BillingPeriod period, String price, String cap, String setup, int trialDays, boolean suspendedAccrues) {
        return new PlanDefinition("VPS", Money.currency("EUR"), period, new BigDecimal(price), cap == null ? null : new BigDecimal(cap),
                new BigDecimal(setup), trialDays, suspendedAccrues, PlanQuotas.UNLIMITED, List.of());
    }

    @Test
    void suspendedTimeIsCreditedOnceWhenThePlanSaysSuspendedSubscriptionsDoNotAccrue() {
        PlanDefinition monthly = plan(BillingPeriod.MONTH, "31.00", null, "0", 0, false);
        Instant may = Instant.parse("2027-04-30T22:00:00Z"); // 1 May, Berlin
        RecurringCharges.Subscription paid = new RecurringCharges.Subscription(may, null, null, null, Instant.parse("2027-05-31T22:00:00Z"), true);
        // suspended from 10 to 20 May (ten days of May's 31), and again from 30 May on, still held on 1 June
        List<BillingCalendar.Period> held = List.of(new BillingCalendar.Period(Instant.parse("2027-05-09T22:00:00Z"), Instant.parse("2027-05-19T22:00:00Z")),
                new BillingCalendar.Period(Instant.parse("2027-05-29T22:00:00Z"), null));
        Instant june = Instant.parse("2027-05-31T23:00:00Z");
        RecurringCharges.Due due = RecurringCharges.due(paid, monthly, BERLIN, june, held);
        // June in advance; May's ten days, its last two days and June's first hour (passed, paid, held) credited
        assertEquals(List.of("recurring 31.00", "credit -10.00", "credit -2.00", "credit -0.04"), amounts(due));
        assertEquals(june, due.suspensionCreditedUntil());

        RecurringCharges.Subscription credited = new RecurringCharges.Subscription(may, null, null, null, due.invoicedUntil(), true, due.suspensionCreditedUntil());
        Instant lifted = Instant.parse("2027-06-02T23:00:00Z");
        List<BillingCalendar.Period> done = List.of(held.get(0), new BillingCalendar.Period(held.get(1).start(), lifted));
        RecurringCharges.Due later = RecurringCharges.due(credited, monthly, BERLIN, lifted.plusSeconds(86_400), done);
        assertEquals(List.of("credit -2.07"), amounts(later), "only what was not credited yet: 1 June 01:00 to 3 June 01:00, 48 of June's 720 hours");

        assertEquals(List.of("recurring 31.00"), amounts(RecurringCharges.due(paid, plan(BillingPeriod.MONTH, "31.00", null, "0", 0), BERLIN, june, held)),
                "a plan whose suspended subscriptions accrue credits nothing");
    }

    @Test
    void hoursWhollySuspendedAreNotCountedOnHourlyPlansThatDoNotAccrue() {
        PlanDefinition hourly = plan(BillingPeriod.HOUR, "0.10", null, "0", 0, false);
        Instant start = Instant.parse("2027-04-30T22:00:00Z");
        // 10 May 10:30 to 10 May 14:30 UTC: hours 11, 12 and 13 wholly suspended; the hours it began and ended in count
        List<BillingCalendar.Period> held = List.of(new BillingCalendar.Period(Instant.parse("2027-05-10T10:30:00Z"), Instant.parse("2027-05-10T14:30:00Z")));
        RecurringCharges.Due due = RecurringCharges.due(new RecurringCharges.Subscription(start, null, null, null, null, true), hourly, BERLIN,
                Instant.parse("2027-06-01T00:00:00Z"), held);
        assertEquals(List.of("recurring 74.10"), amounts(due), "744 hours of May less 3");
    }

    private static List<String> amounts(RecurringCharges.Due due) {
        return due.charges().stream().map(c -> c.kind() + " " + c.amount().toPlainString()).toList();
    }

    @Test
    void aMonthIsChargedInAdvanceProratedFromTheStartThenWholeThenCreditedWhenCancelledEarly() {
        PlanDefinition monthly = plan(BillingPeriod.MONTH, "30.00", null, "5.00", 0);
        Instant start = Instant.parse("2027-04-15T22:00:00Z"); // 16 April, Berlin
        RecurringCharges.Due first = RecurringCharges.due(new RecurringCharges.Subscription(start, null, null, null, null, false), monthly, BERLIN, start);
        assertEquals(List.of("setup 5.00", "recurring 15.00"), amounts(first));
        assertEquals(Instant.parse("2027-04-30T22:00:00Z"), first.invoicedUntil());

        RecurringCharges.Subscription invoiced = new RecurringCharges.Subscription(start, null, null, null, first.invoicedUntil(), true);
        assertEquals(List.of(), amounts(RecurringCharges.due(invoiced, monthly, BERLIN, start.plusSeconds(3600))), "nothing is charged twice");

        Instant may = Instant.parse("2027-04-30T23:00:00Z");
        RecurringCharges.Due second = RecurringCharges.due(invoiced, monthly, BERLIN, may);
        assertEquals(List.of("recurring 30.00"), amounts(second));
        assertEquals(BigDecimal.ONE, second.charges().get(0).quantity());

        // cancelled at once on 16 May: 16 of May's 31 days were paid for and will not run
        Instant cancelled = Instant.parse("2027-05-15T22:00:00Z");
        RecurringCharges.Due credit = RecurringCharges.due(new RecurringCharges.Subscription(start, null, null, cancelled, second.invoicedUntil(), true),
                monthly, BERLIN, cancelled);
        assertEquals(List.of("credit -15.48"), amounts(credit));
        assertEquals(cancelled, credit.invoicedUntil());
    }

    @Test
    void aTrialIsNotChargedAndTheSetupFeeIsChargedOnce() {
        PlanDefinition trial = plan(BillingPeriod.MONTH, "30.00", null, "0", 14);
        Instant start = Instant.parse("2027-03-31T22:00:00Z"); // 1 April, Berlin
        RecurringCharges.Due due = RecurringCharges.due(new RecurringCharges.Subscription(start, start.plusSeconds(14 * 86400), null, null, null, false),
                trial, BERLIN, start);
        assertEquals(List.of("recurring 16.00"), amounts(due), "16 of April's 30 days after the trial");
    }

    @Test
    void hoursAreChargedInArrearsMonthByMonthCappedAtTheMonthlyCap() {
        PlanDefinition hourly = plan(BillingPeriod.HOUR, "0.05", "5.00", "0", 0);
        Instant start = Instant.parse("2027-04-29T10:30:00Z");
        RecurringCharges.Subscription s = new RecurringCharges.Subscription(start, null, null, null, null, false);
        assertEquals(List.of(), amounts(RecurringCharges.due(s, hourly, BERLIN, Instant.parse("2027-04-30T12:00:00Z"))), "April is not over yet");
        RecurringCharges.Due april = RecurringCharges.due(s, hourly, BERLIN, Instant.parse("2027-05-02T00:00:00Z"));
        // 10:00Z on 29 April (started) to 22:00Z on 30 April: 36 hours at 0.05
        assertEquals(List.of("recurring 1.80"), amounts(april));
        assertEquals(new BigDecimal("36"), april.charges().get(0).quantity());
        RecurringCharges.Due may = RecurringCharges.due(new RecurringCharges.Subscription(start, null, null, null, april.invoicedUntil(), true), hourly,
                BERLIN, Instant.parse("2027-06-03T00:00:00Z"));
        assertEquals(List.of("recurring 5.00"), amounts(may), "744 hours would be 37.20: capped");
        // ended mid-June: its last (partial) hour counts in full, invoiced at once
        Instant ended = Instant.parse("2027-06-01T00:10:00Z");
        RecurringCharges.Due last = RecurringCharges.due(new RecurringCharges.Subscription(start, null, null, ended, may.invoicedUntil(), true), hourly,
                BERLIN, ended.plusSeconds(60));
        assertEquals(List.of("recurring 0.15"), amounts(last), "22:00, 23:00 and the started 00:00 hour");
    }
}
