package io.vessel.billing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class BillingCalendarPropertiesTest {

    /** 2024-01-01T00:00:00Z and 2030-12-31T00:00:00Z. */
    private static final long FROM = 1_704_067_200L;
    private static final long TO = 1_924_905_600L;

    @Property
    void periodsTileTimeWithoutGapsOrOverlaps(@ForAll @LongRange(min = FROM, max = TO) long second, @ForAll @IntRange(min = 1, max = 31) int anchor,
                                              @ForAll("zones") String zone, @ForAll("periods") BillingPeriod kind) {
        BillingCalendar calendar = new BillingCalendar(ZoneId.of(zone), anchor, 1 + anchor % 12);
        Instant t = Instant.ofEpochSecond(second);
        BillingCalendar.Period p = calendar.containing(t, kind);
        assertTrue(p.contains(t), p + " contains " + t);
        BillingCalendar.Period next = calendar.next(p, kind);
        assertEquals(p.end(), next.start(), "the next period starts where this one ends");
        assertEquals(p, calendar.containing(p.end().minusSeconds(1), kind));
        assertEquals(p, calendar.containing(p.start(), kind));
    }

    @Property
    void proratedPartsOfAPeriodAddUpToItsPriceToTheCent(@ForAll @LongRange(min = FROM, max = TO) long second,
                                                       @ForAll @Size(min = 1, max = 6) List<@LongRange(min = 1, max = 1_000_000) Long> cuts,
                                                       @ForAll @IntRange(min = 1, max = 100_000) int cents, @ForAll("zones") String zone) {
        BillingCalendar calendar = new BillingCalendar(ZoneId.of(zone), 31, 1);
        BillingCalendar.Period month = calendar.containing(Instant.ofEpochSecond(second), BillingPeriod.MONTH);
        long length = month.length().toSeconds();
        List<Long> points = new ArrayList<>(cuts.stream().map(c -> c % length).distinct().sorted().toList());
        List<BigDecimal> weights = new ArrayList<>();
        long previous = 0;
        for (long point : points) {
            weights.add(BigDecimal.valueOf(point - previous));
            previous = point;
        }
        weights.add(BigDecimal.valueOf(length - previous));
        Money price = new Money(BigDecimal.valueOf(cents, 2), Money.currency("EUR"));
        List<Money> parts = price.allocate(weights);
        assertEquals(0, price.amount().compareTo(parts.stream().map(Money::amount).reduce(BigDecimal.ZERO, BigDecimal::add)));
        BigDecimal shares = BigDecimal.ZERO;
        previous = 0;
        for (int i = 0; i < weights.size(); i++) {
            long end = previous + weights.get(i).longValue();
            BigDecimal share = BillingCalendar.share(month, month.start().plusSeconds(previous), month.start().plusSeconds(end));
            shares = shares.add(share);
            assertTrue(price.amount().multiply(share).subtract(parts.get(i).amount()).abs().compareTo(new BigDecimal("0.01")) < 0);
            previous = end;
        }
        assertTrue(shares.subtract(BigDecimal.ONE).abs().compareTo(new BigDecimal("1e-30")) < 0, "shares add up to the whole: " + shares);
    }

    @Example
    void anAnchorBeyondAMonthsEndFallsOnItsLastDayAndComesBack() {
        BillingCalendar calendar = new BillingCalendar(ZoneId.of("Europe/Berlin"), 31, 1);
        List<LocalDate> starts = new ArrayList<>();
        BillingCalendar.Period p = calendar.containing(Instant.parse("2027-01-31T12:00:00Z"), BillingPeriod.MONTH);
        for (int i = 0; i < 5; i++) {
            starts.add(p.start().atZone(ZoneId.of("Europe/Berlin")).toLocalDate());
            p = calendar.next(p, BillingPeriod.MONTH);
        }
        assertEquals(List.of(LocalDate.of(2027, 1, 31), LocalDate.of(2027, 2, 28), LocalDate.of(2027, 3, 31), LocalDate.of(2027, 4, 30),
                LocalDate.of(2027, 5, 31)), starts);
        BillingCalendar leap = new BillingCalendar(ZoneId.of("UTC"), 30, 1);
        assertEquals(LocalDate.of(2028, 2, 29), leap.containing(Instant.parse("2028-03-01T00:00:00Z"), BillingPeriod.MONTH).start()
                .atZone(ZoneId.of("UTC")).toLocalDate());
    }

    @Example
    void aMonthWithTheSpringForwardIsAnHourShortAndStartsAtLocalMidnight() {
        BillingCalendar calendar = new BillingCalendar(ZoneId.of("Europe/Berlin"), 1, 1);
        BillingCalendar.Period march = calendar.containing(Instant.parse("2027-03-15T00:00:00Z"), BillingPeriod.MONTH);
        assertEquals(Instant.parse("2027-02-28T23:00:00Z"), march.start());
        assertEquals(Instant.parse("2027-03-31T22:00:00Z"), march.end());
        assertEquals(31 * 24 - 1, march.length().toHours());
    }

    @Example
    void anHourlyPlanChargesEveryStartedUtcHour() {
        assertEquals(1, BillingCalendar.startedHours(Instant.parse("2027-03-28T00:15:00Z"), Instant.parse("2027-03-28T00:16:00Z")));
        assertEquals(1, BillingCalendar.startedHours(Instant.parse("2027-03-28T00:00:00Z"), Instant.parse("2027-03-28T01:00:00Z")));
        assertEquals(2, BillingCalendar.startedHours(Instant.parse("2027-03-28T00:59:00Z"), Instant.parse("2027-03-28T01:01:00Z")));
        // the night Berlin skips an hour still has 24 UTC hours
        assertEquals(24, BillingCalendar.startedHours(Instant.parse("2027-03-28T00:00:00Z"), Instant.parse("2027-03-29T00:00:00Z")));
        assertEquals(0, BillingCalendar.startedHours(Instant.parse("2027-03-28T00:00:00Z"), Instant.parse("2027-03-28T00:00:00Z")));
    }

    @Provide
    Arbitrary<String> zones() {
        return Arbitraries.of("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Apia");
    }

    @Provide
    Arbitrary<BillingPeriod> periods() {
        return Arbitraries.of(BillingPeriod.values());
    }
}
