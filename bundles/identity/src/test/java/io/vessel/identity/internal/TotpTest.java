package io.vessel.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TotpTest {

    /** RFC 6238 appendix B, SHA-1 rows (the RFC prints 8 digits; authenticator apps show the last 6). */
    private static final String RFC_SECRET = Totp.base32("12345678901234567890".getBytes(StandardCharsets.US_ASCII));

    @Test
    void codesMatchTheRfcTestVectors() {
        assertEquals("287082", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(59))));
        assertEquals("081804", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(1111111109))));
        assertEquals("050471", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(1111111111))));
        assertEquals("005924", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(1234567890))));
        assertEquals("279037", Totp.code(RFC_SECRET, Totp.step(Instant.ofEpochSecond(2000000000))));
    }

    @Test
    void aCodeIsAcceptedOnceWithinItsWindowAndNeverReplayed() {
        String secret = Totp.newSecret(new SecureRandom());
        Instant now = Instant.parse("2026-11-25T12:00:10Z");
        String code = Totp.code(secret, Totp.step(now));
        var step = Totp.verify(secret, code, now, null);
        assertTrue(step.isPresent());
        assertTrue(Totp.verify(secret, code, now, step.getAsLong()).isEmpty(), "the same code twice");
        assertTrue(Totp.verify(secret, code, now.plusSeconds(29), null).isPresent(), "one step of drift");
        assertTrue(Totp.verify(secret, code, now.plusSeconds(120), null).isEmpty(), "too late");
        assertTrue(Totp.verify(secret, "12345", now, null).isEmpty());
        assertTrue(Totp.verify(secret, "abcdef", now, null).isEmpty());
    }

    @Test
    void base32RoundTrips() {
        byte[] data = new byte[20];
        new SecureRandom().nextBytes(data);
        assertEquals(java.util.HexFormat.of().formatHex(data), java.util.HexFormat.of().formatHex(Totp.unbase32(Totp.base32(data))));
        assertEquals("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", RFC_SECRET);
    }
}
