package io.vessel.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.billing.api.PluginMeter.Aggregation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PluginMeterAggregationTest {

    private static final Instant FROM = Instant.parse("2027-03-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2027-04-01T00:00:00Z");
    private static final UUID TENANT = UUID.randomUUID();

    private static UsageEventEntity event(String at, Integer ve, String value, String unique) {
        return new UsageEventEntity("m", UUID.randomUUID().toString(), TENANT, ve, Instant.parse(at), value == null ? null : new BigDecimal(value),
                unique, Instant.parse(at));
    }

    private static String q(Aggregation a, List<UsageEventEntity> events) {
        return PluginMeterCharges.aggregate(a, events, FROM, TO).stripTrailingZeros().toPlainString();
    }

    @Test
    void sumMaxAndLatestLookOnlyAtThePeriodsEvents() {
        List<UsageEventEntity> events = List.of(event("2027-02-28T23:59:59Z", null, "100", null), event("2027-03-02T00:00:00Z", null, "3", null),
                event("2027-03-20T00:00:00Z", null, "7.5", null), event("2027-03-31T00:00:00Z", null, "2", null), event("2027-04-01T00:00:00Z", null, "50", null));
        assertEquals("12.5", q(Aggregation.SUM, events));
        assertEquals("7.5", q(Aggregation.MAX, events));
        assertEquals("2", q(Aggregation.LATEST, events));
    }

    @Test
    void countUniqueCountsDistinctValues() {
        List<UsageEventEntity> events = List.of(event("2027-03-02T00:00:00Z", null, null, "alice"), event("2027-03-03T00:00:00Z", null, null, "bob"),
                event("2027-03-04T00:00:00Z", null, null, "alice"));
        assertEquals("2", q(Aggregation.COUNT_UNIQUE, events));
    }

    @Test
    void timeWeightedValuesHoldUntilTheNextEventPerVeAndCarryIntoThePeriod() {
        // VE 1: 10 GiB from before the period until 11 March 00:00 (240 h), then 4 GiB to the end (21 days = 504 h)
        // VE 2: 1 GiB from 31 March 12:00 (12 h)
        List<UsageEventEntity> events = List.of(event("2027-02-20T00:00:00Z", 1, "10", null), event("2027-03-11T00:00:00Z", 1, "4", null),
                event("2027-03-31T12:00:00Z", 2, "1", null));
        assertEquals(String.valueOf(10 * 240 + 4 * 504 + 12), q(Aggregation.TIME_WEIGHTED_SUM, events));
    }

    @Test
    void nothingReportedIsZero() {
        for (Aggregation a : Aggregation.values()) {
            assertEquals("0", q(a, List.of()), a.name());
        }
    }
}
