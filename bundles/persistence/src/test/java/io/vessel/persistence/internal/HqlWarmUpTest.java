package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class HqlWarmUpTest {

    /** Every shape is HQL as Hibernate parses it (it bails out on the first error), so the warm-up warms. */
    @Test
    void everyShapeParses() {
        assertDoesNotThrow(HqlWarmUp::parseAll);
    }
}
