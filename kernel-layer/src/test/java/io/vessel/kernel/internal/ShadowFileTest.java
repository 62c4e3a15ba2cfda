package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShadowFileTest {

    @Test
    void replacesOnlyRootsHash() {
        String before = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";
        String after = ShadowFile.withRootPassword(before, "$6$salt$hash");
        assertTrue(after.startsWith("root:$6$salt$hash:"), after);
        assertTrue(after.contains("\nnobody:*:19000:0:99999:7:::\n"), after);
        assertEquals(9, after.lines().findFirst().orElseThrow().split(":", -1).length);
    }

    @Test
    void addsRootWhenMissing() {
        assertTrue(ShadowFile.withRootPassword("daemon:*:1:0:99999:7:::\n", "$6$x$y").startsWith("root:$6$x$y:"));
    }
}
