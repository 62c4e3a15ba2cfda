package io.vessel.identity.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing. Failed logins are counted per account and source together, and per source alone;
 * past the limit that source waits out the lockout. Keying on the pair means an attacker cannot lock the real user
 * out from elsewhere, and every lockout ends by itself. A source is an IPv4 address or an IPv6 /64: one host holds a
 * whole /64 (and every link-local address), so rotating addresses within it gains nothing.
 *
 * <p>Guessing one account from many sources meets a third count, per account across all sources: past
 * {@link #ACCOUNT_FREE_FAILURES} failures in the window, each further attempt waits twice as long after the last
 * failure as the one before, up to {@link #ACCOUNT_MAX_DELAY}. That delay never locks the real user out: it is a
 * minute at most, and it does not apply to a login with a second factor to an account that has one.
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

    /** Failures of one account from anywhere before attempts are spaced out. */
    static final int ACCOUNT_FREE_FAILURES = 10;
    /** The longest an attempt on an account has to wait after its last failure. */
    static final Duration ACCOUNT_MAX_DELAY = Duration.ofSeconds(60);

    /** How long this source must wait before trying this account again; empty when it may try now. */
    Optional<Duration> waitFor(String username, String address, Instant now) {
        return waitFor(username, address, false, now);
    }

    /** As above; {@code secondFactor}: the attempt carries a second factor for an account that has one. */
    Optional<Duration> waitFor(String username, String address, boolean secondFactor, Instant now) {
        String source = source(address);
        Optional<Duration> pair = locked("pair:" + source + "/" + username, maxPerAccount, now);
        if (pair.isPresent()) {
            return pair;
        }
        Optional<Duration> bySource = locked("address:" + source, maxPerAddress, now);
        if (bySource.isPresent() || secondFactor) {
            return bySource;
        }
        return spacedOut("account:" + username, now);
    }

    void failed(String username, String address, Instant now) {
        String source = source(address);
        record("pair:" + source + "/" + username, now);
        record("address:" + source, now);
        record("account:" + username, now);
    }

    void succeeded(String username, String address) {
        failures.remove("pair:" + source(address) + "/" + username);
        failures.remove("account:" + username);
    }

    /** An IPv4 address as it is, an IPv6 address as its /64. */
    static String source(String address) {
        if (address == null || !address.contains(":")) {
            return address;
        }
        try {
            byte[] bytes = java.net.InetAddress.getByName(address.replaceFirst("%.*$", "")).getAddress();
            if (bytes.length != 16) {
                return address;
            }
            java.util.Arrays.fill(bytes, 8, 16, (byte) 0);
            return java.net.InetAddress.getByAddress(bytes).getHostAddress() + "/64";
        } catch (java.net.UnknownHostException e) {
            return address;
        }
    }

    private Optional<Duration> spacedOut(String key, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Optional.empty();
        }
        synchronized (times) {
            prune(times, now);
            int beyond = times.size() - ACCOUNT_FREE_FAILURES;
            if (beyond < 0 || times.isEmpty()) {
                return Optional.empty();
            }
            Duration delay = Duration.ofSeconds(1L << Math.min(beyond, 6));
            if (delay.compareTo(ACCOUNT_MAX_DELAY) > 0) {
                delay = ACCOUNT_MAX_DELAY;
            }
            Duration left = Duration.between(now, times.peekLast().plus(delay));
            return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
        }
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
