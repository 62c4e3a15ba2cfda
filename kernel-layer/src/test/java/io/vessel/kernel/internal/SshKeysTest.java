package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vessel.kernel.api.VeException;
import org.junit.jupiter.api.Test;

class SshKeysTest {

    /** Made with {@code ssh-keygen -t ed25519 -C alice@laptop}; the fingerprint is what {@code ssh-keygen -l} printed. */
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC+A1NgpCa7LFj7Cqq0m73aihkoGVOem4StiNhbdoja2 alice@laptop";

    @Test
    void aKeyLineIsReadWithTheFingerprintSshKeygenShows() {
        SshKeys.Parsed key = SshKeys.parse("  " + KEY + "\n");
        assertEquals("ssh-ed25519", key.type());
        assertEquals("alice@laptop", key.comment());
        assertEquals("SHA256:SdnRtuqyfoot08+jH/+F2A03VFKuuzDKZ0m7exQjqmk", key.fingerprint());
        assertEquals(KEY, key.line());
        assertEquals(64, key.id().length());
    }

    @Test
    void whatIsNotAPublicKeyIsRefusedWithTheReason() {
        for (String bad : new String[] {"", "hello", "ssh-ed25519", "ssh-ed25519 !!!", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIC+A1NgpCa7LFj7Cqq0m73aihkoGVOem4StiNhbdoja2",
                "command=\"rm -rf /\" " + KEY, KEY + "\nssh-ed25519 AAAA second", "-----BEGIN OPENSSH PRIVATE KEY-----"}) {
            VeException e = assertThrows(VeException.class, () -> SshKeys.parse(bad), bad);
            assertEquals(VeException.Kind.INVALID, e.kind());
        }
    }
}
