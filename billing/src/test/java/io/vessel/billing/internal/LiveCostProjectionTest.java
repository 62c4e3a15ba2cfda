package io.vessel.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageSeries;
import io.vessel.kernel.api.UsageService;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The live cost projects the rest of the period at the recent (last day's) rate, not at the average so far. */
class LiveCostProjectionTest {

    private static final Instant FROM = Instant.parse("2027-03-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2027-03-21T00:00:00Z");
    private static final Instant TO = Instant.parse("2027-04-01T00:00:00Z");
    private static final UsageCharges.Counter CPU = UsageCharges.COUNTERS.get("cpu.seconds");

    /** CPU counters (seconds) stored at given times. */
    private static UsageService stored(TreeMap<Instant, Long> cpuSeconds) {
        return new UsageService() {
            @Override
            public Optional<UsageSample> storedAtOrBefore(int veId, Instant at) {
                return Optional.ofNullable(cpuSeconds.floorEntry(at)).map(e -> sample(e.getKey(), e.getValue()));
            }

            @Override
            public Optional<UsageSample> current(int veId) {
                return Optional.empty();
            }

            @Override
            public List<UsageSample> currentAll() {
                return List.of();
            }

            @Override
            public UsageSeries series(int veId, Instant from, Instant to, Duration step) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static UsageSample sample(Instant at, long cpuSeconds) {
        return new UsageSample(1, at, cpuSeconds * 1_000_000_000L, 0, 0, 0, 1, null, null, 0, 0, 0, 0, null, null, null, null);
    }

    private static String rest(TreeMap<Instant, Long> counters, Instant now) {
        UsageService usage = stored(counters);
        UsageSample last = usage.storedAtOrBefore(1, now).orElseThrow();
        BigDecimal used = CPU.usedBetween(usage.storedAtOrBefore(1, FROM), last).orElseThrow();
        return LiveCost.rest(CPU, usage, 1, FROM, now, TO, last, used).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    @Test
    void aVeThatGotBusyYesterdayIsProjectedBusy() {
        TreeMap<Instant, Long> counters = new TreeMap<>();
        counters.put(FROM, 0L);
        counters.put(NOW.minus(Duration.ofDays(1)), 100L); // 100 s over 19 days
        counters.put(NOW, 100L + 8_640L); // then 8,640 s in the last day
        assertEquals("95040.00", rest(counters, NOW), "11 days more at the last day's 8,640 s a day");
    }

    @Test
    void withinTheFirstDayTheRateSoFarProjects() {
        Instant early = FROM.plus(Duration.ofHours(12));
        TreeMap<Instant, Long> counters = new TreeMap<>();
        counters.put(FROM, 0L);
        counters.put(early, 60L);
        long remainingHours = Duration.between(early, TO).toHours();
        assertEquals(BigDecimal.valueOf(5 * remainingHours).setScale(2).toPlainString(), rest(counters, early), "5 s an hour for the rest");
    }

    @Test
    void atThePeriodsEndNothingMoreIsProjected() {
        TreeMap<Instant, Long> counters = new TreeMap<>();
        counters.put(FROM, 0L);
        counters.put(TO, 500L);
        assertEquals("0.00", rest(counters, TO));
    }
}
