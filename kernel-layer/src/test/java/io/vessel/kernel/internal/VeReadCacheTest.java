package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.DatabaseInfo;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class VeReadCacheTest {

    private final VeReadCache cache = new VeReadCache();
    private final AtomicInteger loads = new AtomicInteger();
    private volatile VeState stored = VeState.STOPPED;

    @Test
    void aVeIsReadOnceUntilSomethingMayHaveWrittenIt() {
        assertEquals(VeState.STOPPED, find().state());
        assertEquals(VeState.STOPPED, find().state());
        assertEquals(1, loads.get());
        Database writes = cache.writes(new NoDatabase());
        writes.run(em -> stored = VeState.RUNNING);
        assertEquals(VeState.RUNNING, find().state(), "the write made the panel read it again");
        assertEquals(2, loads.get());
    }

    @Test
    void aReadThatAWriteOvertookIsNotKept() {
        Database writes = cache.writes(new NoDatabase());
        Optional<VirtualEnvironment> stale = cache.find(101, id -> {
            VirtualEnvironment before = ve(stored);
            writes.run(em -> stored = VeState.RUNNING); // commits while the read is under way
            return Optional.of(before);
        });
        assertEquals(VeState.STOPPED, stale.orElseThrow().state());
        assertEquals(VeState.RUNNING, find().state());
    }

    @Test
    void missingVesAreNotRemembered() {
        assertTrue(cache.find(999, id -> { loads.incrementAndGet(); return Optional.empty(); }).isEmpty());
        assertTrue(cache.find(999, id -> { loads.incrementAndGet(); return Optional.empty(); }).isEmpty());
        assertEquals(2, loads.get());
    }

    @Test
    void theListIsKeptAndForgottenLikeSingleVes() {
        assertEquals(1, cache.list(() -> { loads.incrementAndGet(); return List.of(ve(stored)); }).size());
        assertEquals(1, cache.list(() -> { loads.incrementAndGet(); return List.of(); }).size());
        cache.writes(new NoDatabase()).run(em -> { });
        assertEquals(0, cache.list(() -> { loads.incrementAndGet(); return List.of(); }).size());
        assertEquals(2, loads.get());
    }

    @Test
    void whileOtherNodesShareTheRecordsACopyServesASecondAtMost() throws InterruptedException {
        cache.shared(true);
        assertEquals(VeState.STOPPED, find().state());
        assertEquals(VeState.STOPPED, find().state(), "kept for a moment");
        stored = VeState.RUNNING; // another node's write: no transaction of this process saw it
        Thread.sleep(VeReadCache.SHARED_MAX_AGE.toMillis() + 100);
        assertEquals(VeState.RUNNING, find().state(), "read again once the copy is a second old");
        cache.shared(false);
        stored = VeState.STOPPED;
        Thread.sleep(VeReadCache.SHARED_MAX_AGE.toMillis() + 100);
        assertEquals(VeState.RUNNING, find().state(), "alone on the database, a copy serves until a write of its own");
    }

    private VirtualEnvironment find() {
        return cache.find(101, id -> {
            loads.incrementAndGet();
            return Optional.of(ve(stored));
        }).orElseThrow();
    }

    private static VirtualEnvironment ve(VeState state) {
        return new VirtualEnvironment(101, "ve101", "ve101", "busybox", 1, null, state, null, false, VeLimits.DEFAULTS,
                Instant.EPOCH, Instant.EPOCH, null);
    }

    /** Runs the work without a database: enough to see when the cache forgets. */
    private static final class NoDatabase implements Database {
        @Override
        public <T> T inTransaction(Function<EntityManager, T> work) {
            return work.apply(null);
        }

        @Override
        public DatabaseInfo info() {
            return null;
        }

        @Override
        public Set<String> modules() {
            return Set.of();
        }
    }
}
