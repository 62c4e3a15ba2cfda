package io.vessel.identity.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 *
 * <p>The counts live in a {@link Failures} store: the panel's is the database ({@link LoginFailures}), so every panel
 * process on one database counts the same failures (an attacker gains nothing by spreading guesses over the panels
 * behind a load balancer) and a restart of the panel does not reset them.
 */
final class LoginThrottle {

    /** Where failed logins are counted, per throttle key. */
    interface Failures {
        /** The failures recorded under each of {@code keys} at or after {@code since}, oldest first (absent: none). */
        Map<String, List<Instant>> since(Collection<String> keys, Instant since);

        /** One failure at {@code at} under each of {@code keys}; failures older than {@code forgetBefore} may go. */
        void record(Collection<String> keys, Instant at, Instant forgetBefore);

        /** Forgets every failure under {@code keys}. */
        void clear(Collection<String> keys);
    }

    private final int maxPerAccount;
    private final int maxPerAddress;
    private final Duration lockout;
    private final Failures failures;

    /** A throttle counting in this process's memory only (tests). */
    LoginThrottle(int maxPerAccount, int maxPerAddress, Duration lockout) {
        this(maxPerAccount, maxPerAddress, lockout, new InMemory());
    }

    LoginThrottle(int maxPerAccount, int maxPerAddress, Duration lockout, Failures failures) {
        this.maxPerAccount = maxPerAccount;
        this.maxPerAddress = maxPerAddress;
        this.lockout = lockout;
        this.failures = failures;
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
        String pairKey = pair(source, username);
        String addressKey = "address:" + source;
        String accountKey = "account:" + username;
        Map<String, List<Instant>> recent = failures.since(List.of(pairKey, addressKey, accountKey), now.minus(lockout));
        Optional<Duration> pair = locked(recent.getOrDefault(pairKey, List.of()), maxPerAccount, now);
        if (pair.isPresent()) {
            return pair;
        }
        Optional<Duration> bySource = locked(recent.getOrDefault(addressKey, List.of()), maxPerAddress, now);
        if (bySource.isPresent() || secondFactor) {
            return bySource;
        }
        return spacedOut(recent.getOrDefault(accountKey, List.of()), now);
    }

    void failed(String username, String address, Instant now) {
        String source = source(address);
        failures.record(List.of(pair(source, username), "address:" + source, "account:" + username), now, now.minus(lockout));
    }

    void succeeded(String username, String address) {
        failures.clear(List.of(pair(source(address), username), "account:" + username));
    }

    private static String pair(String source, String username) {
        return "pair:" + source + "/" + username;
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

    private static Optional<Duration> spacedOut(List<Instant> times, Instant now) {
        int beyond = times.size() - ACCOUNT_FREE_FAILURES;
        if (beyond < 0 || times.isEmpty()) {
            return Optional.empty();
        }
        Duration delay = Duration.ofSeconds(1L << Math.min(beyond, 6));
        if (delay.compareTo(ACCOUNT_MAX_DELAY) > 0) {
            delay = ACCOUNT_MAX_DELAY;
        }
        Duration left = Duration.between(now, times.get(times.size() - 1).plus(delay));
        return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
    }

    private Optional<Duration> locked(List<Instant> times, int max, Instant now) {
        if (times.size() < max) {
            return Optional.empty();
        }
        // locked until enough of the failures in the window have aged out
        Instant unlock = times.get(times.size() - max).plus(lockout);
        return Optional.of(Duration.between(now, unlock).plusSeconds(1));
    }

    /** Failures counted in this process only. */
    static final class InMemory implements Failures {
        private final Map<String, List<Instant>> failures = new ConcurrentHashMap<>();

        @Override
        public Map<String, List<Instant>> since(Collection<String> keys, Instant since) {
            Map<String, List<Instant>> found = new java.util.HashMap<>();
            for (String key : keys) {
                List<Instant> times = failures.get(key);
                if (times != null) {
                    synchronized (times) {
                        found.put(key, times.stream().filter(t -> !t.isBefore(since)).sorted().toList());
                    }
                }
            }
            return found;
        }

        @Override
        public void record(Collection<String> keys, Instant at, Instant forgetBefore) {
            for (String key : keys) {
                List<Instant> times = failures.computeIfAbsent(key, k -> new ArrayList<>());
                synchronized (times) {
                    times.removeIf(t -> t.isBefore(forgetBefore));
                    times.add(at);
                }
            }
        }

        @Override
        public void clear(Collection<String> keys) {
            keys.forEach(failures::remove);
        }
    }
}
