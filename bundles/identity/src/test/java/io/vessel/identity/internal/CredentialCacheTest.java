package io.vessel.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CredentialCacheTest {

    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger loads = new AtomicInteger();

    private String load() {
        return "account-" + loads.incrementAndGet();
    }

    @Test
    void aCredentialIsReadOnceUntilSomethingChanges() {
        CredentialCache<String> cache = new CredentialCache<>(generation, Duration.ofMinutes(1), 10);
        assertEquals("account-1", cache.get("token", this::load));
        assertEquals("account-1", cache.get("token", this::load));
        generation.incrementAndGet(); // e.g. the token was revoked
        assertEquals("account-2", cache.get("token", this::load));
    }

    @Test
    void entriesExpireAndUnknownCredentialsAreNotKept() throws Exception {
        CredentialCache<String> cache = new CredentialCache<>(generation, Duration.ofMillis(20), 10);
        cache.get("token", this::load);
        Thread.sleep(40);
        assertEquals("account-2", cache.get("token", this::load));
        assertNull(cache.get("unknown", () -> null));
        assertNull(cache.get("unknown", () -> null));
    }

    @Test
    void aFloodOfDistinctCredentialsDoesNotGrowWithoutBound() {
        CredentialCache<String> cache = new CredentialCache<>(generation, Duration.ofMinutes(1), 3);
        for (int i = 0; i < 100; i++) {
            cache.get("token-" + i, this::load);
        }
        assertEquals(101, Integer.parseInt(cache.get("token-0", this::load).substring("account-".length())), "evicted, so read again");
    }
}
