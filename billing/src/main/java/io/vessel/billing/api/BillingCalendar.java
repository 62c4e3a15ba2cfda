package io.vessel.billing.api;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Billing periods of an account: months and years start at local midnight on the account's anchor day in the
 * account's time zone; an anchor beyond a month's last day falls on that last day (anchor 31: 30 April, 28 or 29
 * February) and returns to the 31st in months that have one, since each period is computed from the anchor, never
 * from the previous period. Hourly periods are UTC hours, so daylight-saving changes neither add nor drop an hour.
 * A period is half-open: [start, end).
 */
public final class BillingCalendar {

    /** A period [start, end). */
    public record Period(Instant start, Instant end) {

        public Duration length() {
            return Duration.between(start, end);
        }

        public boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }

    private final ZoneId zone;
    private final int anchorDay;
    private final int anchorMonth;

    /**
     * @param anchorDay   1–31: the day of the month periods start on
     * @param anchorMonth 1–12: the month yearly periods start in
     */
    public BillingCalendar(ZoneId zone, int anchorDay, int anchorMonth) {
        if (anchorDay < 1 || anchorDay > 31) {
            throw new InvalidPriceException("anchorDay", "from 1 to 31");
        }
        if (anchorMonth < 1 || anchorMonth > 12) {
            throw new InvalidPriceException("anchorMonth", "from 1 to 12");
        }
        this.zone = zone;
        this.anchorDay = anchorDay;
        this.anchorMonth = anchorMonth;
    }

    /** The period of {@code period}'s kind that contains {@code t}. */
    public Period containing(Instant t, BillingPeriod period) {
        return switch (period) {
            case HOUR -> new Period(t.truncatedTo(ChronoUnit.HOURS), t.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS));
            case MONTH -> month(t);
            case YEAR -> year(t);
        };
    }

    /** The period after {@code p}. */
    public Period next(Period p, BillingPeriod period) {
        return containing(p.end(), period);
    }

    private Period month(Instant t) {
        YearMonth month = YearMonth.from(t.atZone(zone));
        Instant start = startOf(month);
        if (t.isBefore(start)) {
            month = month.minusMonths(1);
            start = startOf(month);
        }
        return new Period(start, startOf(month.plusMonths(1)));
    }

    private Period year(Instant t) {
        int year = t.atZone(zone).getYear();
        Instant start = startOf(YearMonth.of(year, anchorMonth));
        if (t.isBefore(start)) {
            year--;
            start = startOf(YearMonth.of(year, anchorMonth));
        }
        return new Period(start, startOf(YearMonth.of(year + 1, anchorMonth)));
    }

    private Instant startOf(YearMonth month) {
        LocalDate day = month.atDay(Math.min(anchorDay, month.lengthOfMonth()));
        return day.atStartOfDay(zone).toInstant();
    }

    /**
     * The share of {@code period} that [from, to) covers (clipped to the period), exact to the second: what a
     * recurring price is multiplied by for part of a period. The shares of parts that tile a period add up to 1.
     */
    public static BigDecimal share(Period period, Instant from, Instant to) {
        Instant a = from.isBefore(period.start()) ? period.start() : from;
        Instant b = to.isAfter(period.end()) ? period.end() : to;
        if (!b.isAfter(a)) {
            return BigDecimal.ZERO;
        }
        return BigDecimal.valueOf(Duration.between(a, b).toSeconds()).divide(BigDecimal.valueOf(period.length().toSeconds()), MathContext.DECIMAL128);
    }

    /** Started UTC hours in [from, to): an hourly plan charges each started hour in full. */
    public static long startedHours(Instant from, Instant to) {
        if (!to.isAfter(from)) {
            return 0;
        }
        ZonedDateTime first = from.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
        return ChronoUnit.HOURS.between(first, to.atZone(ZoneOffset.UTC).minusNanos(1).truncatedTo(ChronoUnit.HOURS)) + 1;
    }
}
