package io.vessel.operations.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FairSchedulerTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void release() {
        never.countDown();
        threads.shutdownNow();
    }

    private void block() {
        try {
            never.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void oneTenantsStuckOperationsLeaveSlotsForTheOthers() throws Exception {
        FairScheduler scheduler = new FairScheduler(4, 2, threads);
        for (int i = 0; i < 10; i++) {
            scheduler.submit("mallory", slot -> block()); // e.g. stuck on something the tenant controls
        }
        CountDownLatch others = new CountDownLatch(6);
        for (int i = 0; i < 3; i++) {
            scheduler.submit("alice", slot -> others.countDown());
            scheduler.submit(null, slot -> others.countDown());
        }
        assertTrue(others.await(5, TimeUnit.SECONDS), "the other tenants' and the provider's operations all ran");
        awaitBusy(scheduler, 2); // the others' slots are given back just after their work
        assertEquals(2, scheduler.busy(), "mallory holds no more than its share");
        assertEquals(8, scheduler.queued());
    }

    @Test
    void ownersTakeTurns() throws Exception {
        FairScheduler scheduler = new FairScheduler(1, 1, threads);
        CountDownLatch gate = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(7);
        scheduler.submit("a", slot -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        });
        for (int i = 0; i < 3; i++) {
            scheduler.submit("a", slot -> {
                order.add("a");
                done.countDown();
            });
        }
        for (int i = 0; i < 3; i++) {
            scheduler.submit("b", slot -> {
                order.add("b");
                done.countDown();
            });
        }
        gate.countDown();
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("b", "a", "b", "a", "b", "a"), order, "a flood by one owner is interleaved with the next owner's work");
    }

    @Test
    void anAbandonedSlotGoesToTheNextWorkWhileTheStuckThreadStaysAside() throws Exception {
        FairScheduler scheduler = new FairScheduler(1, 1, threads);
        CountDownLatch started = new CountDownLatch(1);
        FairScheduler.Slot[] stuck = new FairScheduler.Slot[1];
        scheduler.submit("a", slot -> {
            stuck[0] = slot;
            started.countDown();
            block();
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        CountDownLatch next = new CountDownLatch(1);
        scheduler.submit("a", slot -> next.countDown());
        assertEquals(1, scheduler.queued(), "the only slot is taken");
        stuck[0].abandon();
        assertTrue(next.await(5, TimeUnit.SECONDS), "the next operation runs on another thread");
        stuck[0].abandon(); // a second release (the stuck work returning at last) changes nothing
        awaitBusy(scheduler, 0);
        assertEquals(0, scheduler.busy());
    }

    /** A slot is given back just after its work returns: wait for that rather than race it. */
    private static void awaitBusy(FairScheduler scheduler, int expected) {
        for (long deadline = System.nanoTime() + 5_000_000_000L; scheduler.busy() != expected && System.nanoTime() < deadline; ) {
            Thread.onSpinWait();
        }
    }
}
