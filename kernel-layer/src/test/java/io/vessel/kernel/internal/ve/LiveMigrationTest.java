package io.vessel.kernel.internal.ve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveMigrationTest {

    @Test
    void criusOwnReasonIsWhatTheProviderReadsNotItsHelpersExitStatus() {
        String printed = """
                Error (criu/util.c:642): exited, status=1
                Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
                Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable
                """;
        assertEquals("vdso: Unexpected rt vDSO area bounds", LiveMigration.firstError(printed));
        assertEquals("no reason given", LiveMigration.firstError(""));
    }

    @Test
    void aHostWithoutCriuSaysWhichPackageIsMissing() {
        String reason = new LiveMigration(List.of(Path.of("/nonexistent/criu"))).refusal(false);
        assertTrue(reason.contains("CRIU is not installed on this node (Debian package criu)"), reason);
    }
}
