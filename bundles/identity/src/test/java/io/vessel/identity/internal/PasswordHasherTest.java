package io.vessel.identity.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    private final PasswordHasher hasher = new PasswordHasher();

    @Test
    void argon2idHashesVerifyOnlyTheirPassword() {
        String hash = hasher.hash("correct horse battery staple");
        assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
        assertFalse(hash.contains("correct horse"));
        assertTrue(hasher.verify("correct horse battery staple", hash));
        assertFalse(hasher.verify("correct horse battery stapler", hash));
        assertNotEquals(hash, hasher.hash("correct horse battery staple"), "salted");
        assertFalse(hasher.verify("x", "not a hash"), "anything else never verifies");
        assertFalse(hasher.verify("x", "$argon2id$v=19$m=1,t=1,p=1$!!$!!"));
    }
}
