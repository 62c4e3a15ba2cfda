package io.vessel.kernel.internal.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.kernel.internal.cgroup.CgroupStats;
import org.junit.jupiter.api.Test;

class LifetimeCountersTest {

    private static CgroupStats stats(long cpu, long memory) {
        return new CgroupStats(cpu, memory, null, 0, 1, cpu / 10, cpu / 20, 1, 2);
    }

    @Test
    void totalsGrowByWhatWasUsedAndNeverGoBackwardsAcrossRestarts() {
        LifetimeCounters c = LifetimeCounters.none().advance(7, stats(1000, 50));
        assertEquals(1000, c.total()[LifetimeCounters.CPU], "the first reading counts whole");
        c = c.advance(7, stats(1500, 80));
        assertEquals(1500, c.total()[LifetimeCounters.CPU]);
        assertEquals(80, c.memoryPeak());

        c = c.advance(9, stats(2000, 10)); // restarted and busy since: a new cgroup with a larger counter
        assertEquals(3500, c.total()[LifetimeCounters.CPU], "a new cgroup starts from zero");
        assertEquals(10, c.memoryPeak(), "the peak is the new run's");

        c = c.advance(9, stats(100, 10)); // same cgroup, smaller counter: reset anyway
        assertEquals(3600, c.total()[LifetimeCounters.CPU]);
        assertEquals(3600 / 10 + 0, c.total()[LifetimeCounters.READ_BYTES] + 0, "every counter is made monotonic the same way");
    }
}
