package io.vessel.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.VeLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A VE that does not freeze in time for its snapshot is thawed again, never left half-frozen (which hangs it: found
 * when a Debian VE forking hard was backed up on a busy machine). The kernel's part is proven by StandaloneServerIT.
 */
class FreezeWithinTest {

    @Test
    void aGroupThatDoesNotFreezeInTimeIsThawedAgain() throws Exception {
        Stub slow = new Stub(true);
        assertFalse(slow.freezeWithin("/vessel/n/ve-101", Duration.ofMillis(5)));
        assertEquals(List.of("freeze 5", "thaw 10000"), slow.calls);

        Stub quick = new Stub(false);
        assertTrue(quick.freezeWithin("/vessel/n/ve-101", Duration.ofMillis(5)));
        assertEquals(List.of("freeze 5"), quick.calls, "frozen: the caller thaws after its snapshot");
    }

    private static final class Stub implements CgroupDriver {
        final List<String> calls = new ArrayList<>();
        private final boolean late;

        Stub(boolean late) {
            this.late = late;
        }

        @Override
        public void freeze(String group, boolean frozen, Duration limit) throws NotInTime {
            calls.add((frozen ? "freeze " : "thaw ") + limit.toMillis());
            if (frozen && late) {
                throw new NotInTime("cgroup " + group + " did not become frozen");
            }
        }

        @Override
        public String version() {
            return "stub";
        }

        @Override
        public boolean ioWeightSupported() {
            return false;
        }

        @Override
        public void apply(String group, VeLimits limits, Optional<String> device) {
        }

        @Override
        public long identity(String group) {
            return 0;
        }

        @Override
        public CgroupStats read(String group) {
            return null;
        }

        @Override
        public Delegation delegationFor(String group, boolean nesting) {
            return null;
        }

        @Override
        public void delegate(String group, int uid, int gid, boolean nesting) {
        }

        @Override
        public List<Path> procsFilesOf(long pid) {
            return List.of();
        }

        @Override
        public List<Path> workGroup(String group, java.math.BigDecimal cpus, Optional<String> device, long read, long write) {
            return List.of();
        }

        @Override
        public int killAll(String group) {
            return 0;
        }

        @Override
        public void removeIfEmpty(String group) {
        }
    }
}
