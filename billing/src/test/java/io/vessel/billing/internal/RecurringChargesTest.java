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
        return new PlanDefinition("VPS", Money.currency("EUR"), period, new BigDecimal(price), cap == null ? null : new BigDecimal(cap),
                new BigDecimal(setup), trialDays, true, PlanQuotas.UNLIMITED, List.of());
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
