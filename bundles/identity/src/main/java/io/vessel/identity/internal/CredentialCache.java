package io.vessel.identity.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What a session cookie or an API token resolves to, kept for a few seconds so a busy script does not cost two
 * database reads per request. Any change to accounts, sessions or tokens (logout, revocation, password, role,
 * 2FA, deletion) empties it at once, so a revoked credential is never honoured after the change returns; another
 * panel on the same database empties its own within a second ({@link CredentialChanges}), and the time limit bounds
 * what that panel could miss if the database could not be read.
 */
final class CredentialCache<T> {

    private record Entry<T>(T value, long generation, long loadedNanos) {
    }

    private final Map<String, Entry<T>> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation;
    private final long ttlNanos;
    private final int maxEntries;

    CredentialCache(AtomicLong generation, Duration ttl, int maxEntries) {
        this.generation = generation;
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
    }

    /** The cached value for {@code key}, or a fresh one from {@code load} (null values are not kept). */
    T get(String key, Supplier<T> load) {
        long now = System.nanoTime();
        long current = generation.get();
        Entry<T> entry = entries.get(key);
        if (entry != null && entry.generation() == current && now - entry.loadedNanos() < ttlNanos) {
            return entry.value();
        }
        T value = load.get();
        if (value != null) {
            if (entries.size() >= maxEntries) {
                entries.clear(); // crude, but bounded: a flood of distinct credentials cannot grow the heap
            }
            entries.put(key, new Entry<>(value, current, now));
        } else {
            entries.remove(key);
        }
        return value;
    }
}
