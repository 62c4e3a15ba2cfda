package io.vessel.identity.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private final LoginThrottle throttle = new LoginThrottle(5, 20, Duration.ofMinutes(15));
    private final Instant t0 = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void fiveFailuresLockTheSourceOutOfThatAccountForAWhileOnly() {
        for (int i = 0; i < 5; i++) {
            assertTrue(throttle.waitFor("alice", "198.51.100.7", t0).isEmpty());
            throttle.failed("alice", "198.51.100.7", t0.plusSeconds(i));
        }
        assertTrue(throttle.waitFor("alice", "198.51.100.7", t0.plusSeconds(10)).isPresent(), "locked");
        assertTrue(throttle.waitFor("alice", "203.0.113.9", t0.plusSeconds(10)).isEmpty(), "the real user elsewhere is not locked out");
        assertTrue(throttle.waitFor("bob", "198.51.100.7", t0.plusSeconds(10)).isEmpty(), "other accounts from there are not (yet)");
        assertTrue(throttle.waitFor("alice", "198.51.100.7", t0.plusSeconds(16 * 60)).isEmpty(), "the lockout ends by itself");
    }

    @Test
    void oneSourceGuessingManyAccountsIsStoppedToo() {
        for (int i = 0; i < 20; i++) {
            throttle.failed("user" + i, "198.51.100.7", t0.plusSeconds(i));
        }
        assertTrue(throttle.waitFor("someone-new", "198.51.100.7", t0.plusSeconds(30)).isPresent());
    }

    @Test
    void aSuccessClearsThePairsCount() {
        for (int i = 0; i < 4; i++) {
            throttle.failed("alice", "198.51.100.7", t0);
        }
        throttle.succeeded("alice", "198.51.100.7");
        throttle.failed("alice", "198.51.100.7", t0);
        assertTrue(throttle.waitFor("alice", "198.51.100.7", t0).isEmpty());
    }
}
