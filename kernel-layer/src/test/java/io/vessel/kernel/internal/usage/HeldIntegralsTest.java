package io.vessel.kernel.internal.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeldIntegralsTest {

    private static final long GIB = 1L << 30;
    private static final Duration MAX_GAP = Duration.ofSeconds(20);
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void anHourOfSamplesAtOneGibIsOneGibHourOfMemoryAndAnHourRunning() {
        HeldIntegrals h = HeldIntegrals.none();
        for (int s = 0; s <= 3600; s += 10) {
            h = h.advance(T0.plusSeconds(s), GIB, 2 * GIB, 1, MAX_GAP);
        }
        assertEquals(GIB / 1024 * 3600, h.memoryKibSeconds(), "1 GiB-hour in KiB-seconds");
        assertEquals(2 * GIB / 1024 * 3600, h.diskKibSeconds());
        assertEquals(3_600_000, h.runningMillis());
        assertEquals(3_600_000, h.addressMillis(), "one address for an hour");
    }

    @Test
    void theFirstSampleIsOnlyTheBaseline() {
        HeldIntegrals h = HeldIntegrals.none().advance(T0, GIB, GIB, 2, MAX_GAP);
        assertEquals(0, h.memoryKibSeconds());
        assertEquals(0, h.runningMillis());
        assertEquals(0, h.addressMillis());
    }

    @Test
    void aGapCountsAtMostTwoIntervalsOfRunningButAllOfTheHeldDiskAtTheSmallerValue() {
        HeldIntegrals h = HeldIntegrals.none().advance(T0, GIB, 4 * GIB, 2, MAX_GAP)
                .advance(T0.plusSeconds(3600), GIB, 3 * GIB, 1, MAX_GAP); // stopped for an hour, or the panel was down
        assertEquals(20_000, h.runningMillis(), "time nobody measured is not billed as running");
        assertEquals(GIB / 1024 * 20, h.memoryKibSeconds());
        assertEquals(3 * GIB / 1024 * 3600, h.diskKibSeconds(), "disk is held whether the VE runs or not: the smaller value counts");
        assertEquals(3_600_000, h.addressMillis(), "the smaller number of addresses counts for the whole gap");
    }

    @Test
    void anUnmeasuredDiskKeepsTheLastValueAndDestructionCountsTheHeldTimeSinceTheLastSample() {
        HeldIntegrals h = HeldIntegrals.none().advance(T0, GIB, 5 * GIB, 1, MAX_GAP)
                .advance(T0.plusSeconds(10), GIB, null, 1, MAX_GAP);
        assertEquals(5 * GIB / 1024 * 10, h.diskKibSeconds());
        HeldIntegrals finished = h.finish(T0.plusSeconds(10 + 86_400));
        assertEquals(5 * GIB / 1024 * (10 + 86_400), finished.diskKibSeconds());
        assertEquals(1000L * (10 + 86_400), finished.addressMillis());
        assertEquals(h.runningMillis(), finished.runningMillis(), "a destroyed VE does not run");
    }

    @Test
    void aTebibyteOverYearsDoesNotOverflow() {
        assertEquals((1L << 40) / 1024 * 3 * 365 * 86_400, HeldIntegrals.kibSeconds(1L << 40, 3L * 365 * 86_400_000));
    }
}
