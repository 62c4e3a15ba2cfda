package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.api.plugin.PluginCallException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PluginPoolsTest {

    private final LinkedBlockingQueue<String> disabled = new LinkedBlockingQueue<>();

    private PluginPools pools(int threads, Duration grace) {
        return new PluginPools(new PluginPools.Settings(threads, 2, grace), id -> "plugin" + id, (id, reason) -> disabled.add(id + ": " + reason));
    }

    @Test
    void aCallReturnsItsResultAndAThrowingOneFailsWithItsCause() throws Exception {
        try (PluginPools pools = pools(2, Duration.ofSeconds(30))) {
            assertEquals("ok", pools.call(7, "test", Duration.ofSeconds(1), () -> "ok"));
            PluginCallException e = assertThrows(PluginCallException.class,
                    () -> pools.call(7, "test", Duration.ofSeconds(1), () -> {
                        throw new IllegalStateException("boom");
                    }));
            assertEquals(PluginCallException.Reason.FAILED, e.reason());
            assertEquals("boom", e.getCause().getMessage());
        }
    }

    @Test
    void aPluginWhoseThreadsAllHangIsRefusedAtOnceThenDisabledWhileOthersAreServed() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (PluginPools pools = pools(2, Duration.ofMillis(400))) {
            for (int i = 0; i < 2; i++) {
                PluginCallException e = assertThrows(PluginCallException.class, () -> pools.call(1, "hang", Duration.ofMillis(50), () -> {
                    while (true) {
                        try {
                            never.await();
                        } catch (InterruptedException ignored) {
                            // stuck for good
                        }
                    }
                }));
                assertEquals(PluginCallException.Reason.TIMED_OUT, e.reason());
            }
            assertEquals(2, pools.stuck(1));
            long t0 = System.nanoTime();
            PluginCallException refused = assertThrows(PluginCallException.class, () -> pools.call(1, "more", Duration.ofSeconds(5), () -> "x"));
            assertEquals(PluginCallException.Reason.UNAVAILABLE, refused.reason());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "refused without waiting");

            assertEquals("fine", pools.call(2, "other plugin", Duration.ofSeconds(1), () -> "fine"), "another plugin is not affected");
            String reason = disabled.poll(5, TimeUnit.SECONDS);
            assertTrue(reason != null && reason.startsWith("1: disabled automatically"), String.valueOf(reason));
            assertEquals(null, disabled.poll(600, TimeUnit.MILLISECONDS), "disabled once");
        }
    }

    @Test
    void aSlowCallThatEndsIsNoLongerCountedStuck() throws Exception {
        try (PluginPools pools = pools(1, Duration.ofSeconds(30))) {
            assertThrows(PluginCallException.class, () -> pools.call(3, "slow", Duration.ofMillis(20), () -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // ignores the interrupt, then returns
                }
                return null;
            }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (pools.stuck(3) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, pools.stuck(3));
            assertEquals("again", pools.call(3, "next", Duration.ofSeconds(1), () -> "again"));
        }
    }

    @Test
    void tellNeverPassesAFailureOn() throws Exception {
        CountDownLatch told = new CountDownLatch(1);
        try (PluginPools pools = pools(1, Duration.ofSeconds(30))) {
            pools.tell(4, "throws", () -> {
                throw new IllegalStateException("ignored");
            });
            pools.tell(4, "counts", told::countDown);
            assertTrue(told.await(5, TimeUnit.SECONDS));
        }
    }
}
