package io.vessel.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class CpuSetTest {

    private static final BitSet EIGHT = CpuSet.parse("0-7");

    @Test
    void aCapNarrowsTheCpusToItsRoundedUpCount() {
        assertEquals(1, CpuSet.parse(CpuSet.forCap(new BigDecimal("1"), EIGHT, 101)).cardinality());
        assertEquals(2, CpuSet.parse(CpuSet.forCap(new BigDecimal("1.5"), EIGHT, 101)).cardinality());
        assertEquals(3, CpuSet.parse(CpuSet.forCap(new BigDecimal("2.01"), EIGHT, 101)).cardinality());
    }

    @Test
    void noCapOrACapOfEveryCpuLeavesAllCpus() {
        assertEquals("", CpuSet.forCap(null, EIGHT, 101));
        assertEquals("", CpuSet.forCap(new BigDecimal("8"), EIGHT, 101));
        assertEquals("", CpuSet.forCap(new BigDecimal("1.5"), CpuSet.parse("0-1"), 101));
    }

    @Test
    void consecutiveVesSpreadOverTheHostAndWrapAround() {
        assertEquals("2-3", CpuSet.forCap(new BigDecimal("2"), EIGHT, 101));
        assertEquals("4-5", CpuSet.forCap(new BigDecimal("2"), EIGHT, 102));
        assertEquals("0,6", CpuSet.forCap(new BigDecimal("2"), CpuSet.parse("0-6"), 3), "the last CPU and the first");
    }

    @Test
    void onlyOnlineCpusAreChosen() {
        assertEquals("4", CpuSet.forCap(BigDecimal.ONE, CpuSet.parse("0,2,4,6"), 2));
        assertEquals("0-2,5", CpuSet.format(CpuSet.parse("0-2,5")));
    }
}
