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

    @Test
    void rotatingAddressesWithinAnIpv6Slash64GainsNothing() {
        for (int i = 0; i < 5; i++) {
            throttle.failed("alice", "fe80::" + Integer.toHexString(0x1000 + i), t0.plusSeconds(i));
        }
        assertTrue(throttle.waitFor("alice", "fe80::beef", t0.plusSeconds(10)).isPresent(), "every link-local address is one source");
        for (int i = 0; i < 5; i++) {
            throttle.failed("bob", "2001:db8:1:2::" + Integer.toHexString(i + 1), t0.plusSeconds(i));
        }
        assertTrue(throttle.waitFor("bob", "2001:db8:1:2:ffff::9", t0.plusSeconds(10)).isPresent(), "a /64 is one source");
        assertTrue(throttle.waitFor("bob", "2001:db8:1:3::1", t0.plusSeconds(10)).isEmpty(), "the next /64 is another");
    }

    @Test
    void guessingOneAccountFromManyAddressesIsSpacedOutButNeverLocksTheUserOut() {
        for (int i = 0; i < 14; i++) {
            throttle.failed("carol", "198.51.100." + i, t0.plusSeconds(i));
        }
        java.util.Optional<Duration> wait = throttle.waitFor("carol", "203.0.113.50", t0.plusSeconds(14));
        assertTrue(wait.isPresent(), "a fresh address waits too");
        assertTrue(wait.get().compareTo(Duration.ofSeconds(60)) <= 0, "never more than a minute: " + wait.get());
        assertTrue(throttle.waitFor("carol", "203.0.113.50", t0.plusSeconds(14 + 61)).isEmpty(), "after the delay the user may try");
        assertTrue(throttle.waitFor("carol", "203.0.113.50", true, t0.plusSeconds(14)).isEmpty(), "with a second factor, at once");
    }

    @Test
    void panelsSharingOneStoreCountTheSameFailures() {
        LoginThrottle.Failures shared = new LoginThrottle.InMemory();
        LoginThrottle first = new LoginThrottle(5, 20, Duration.ofMinutes(15), shared);
        LoginThrottle second = new LoginThrottle(5, 20, Duration.ofMinutes(15), shared);
        for (int i = 0; i < 5; i++) { // spread over the panels behind one balancer
            (i % 2 == 0 ? first : second).failed("dave", "198.51.100.7", t0.plusSeconds(i));
        }
        assertTrue(first.waitFor("dave", "198.51.100.7", t0.plusSeconds(10)).isPresent());
        assertTrue(second.waitFor("dave", "198.51.100.7", t0.plusSeconds(10)).isPresent(), "locked on every panel");
        second.succeeded("dave", "198.51.100.7");
        assertTrue(first.waitFor("dave", "198.51.100.7", t0.plusSeconds(11)).isEmpty(), "and a success on one clears it on all");
    }
}
