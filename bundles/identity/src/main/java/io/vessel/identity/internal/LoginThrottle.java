package io.vessel.identity.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing. Failed logins are counted per account and source address together, and per
 * source address alone; past the limit that source waits out the lockout. Keying on the pair means an attacker
 * cannot lock the real user out from elsewhere, and every lockout ends by itself.
 */
final class LoginThrottle {

    private final int maxPerAccount;
    private final int maxPerAddress;
    private final Duration lockout;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    LoginThrottle(int maxPerAccount, int maxPerAddress, Duration lockout) {
        this.maxPerAccount = maxPerAccount;
        this.maxPerAddress = maxPerAddress;
        this.lockout = lockout;
    }

    /** How long this source must wait before trying this account again; empty when it may try now. */
    Optional<Duration> waitFor(String username, String address, Instant now) {
        Optional<Duration> pair = locked("pair:" + address + "/" + username, maxPerAccount, now);
        return pair.isPresent() ? pair : locked("address:" + address, maxPerAddress, now);
    }

    void failed(String username, String address, Instant now) {
        record("pair:" + address + "/" + username, now);
        record("address:" + address, now);
    }

    void succeeded(String username, String address) {
        failures.remove("pair:" + address + "/" + username);
    }

    private void record(String key, Instant now) {
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times, now);
            times.addLast(now);
        }
    }

    private Optional<Duration> locked(String key, int max, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Optional.empty();
        }
        synchronized (times) {
            prune(times, now);
            if (times.size() < max) {
                return Optional.empty();
            }
            // locked until enough of the failures in the window have aged out
            Instant unlock = times.stream().skip(times.size() - max).findFirst().orElse(now).plus(lockout);
            return Optional.of(Duration.between(now, unlock).plusSeconds(1));
        }
    }

    private void prune(Deque<Instant> times, Instant now) {
        while (!times.isEmpty() && times.peekFirst().isBefore(now.minus(lockout))) {
            times.removeFirst();
        }
    }
}
