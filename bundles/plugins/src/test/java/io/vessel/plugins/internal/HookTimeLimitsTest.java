package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HookTimeLimitsTest {

    @Test
    void aLimitSetByTheProviderSurvivesARestartAndGoesWhenReset(@TempDir Path dir) throws Exception {
        HookTimeLimits limits = new HookTimeLimits(dir);
        limits.load();
        assertEquals(Optional.empty(), limits.of("io.vessel.sample"));
        limits.set("io.vessel.sample", Duration.ofMillis(750));

        HookTimeLimits afterRestart = new HookTimeLimits(dir);
        afterRestart.load();
        assertEquals(Optional.of(Duration.ofMillis(750)), afterRestart.of("io.vessel.sample"));
        afterRestart.set("io.vessel.sample", null);
        HookTimeLimits again = new HookTimeLimits(dir);
        again.load();
        assertEquals(Optional.empty(), again.of("io.vessel.sample"));
        assertTrue(Files.notExists(dir.resolve(HookTimeLimits.FILE)), "no limits, no file in plugins/");
        again.set("io.vessel.gone", null);
        assertTrue(Files.notExists(dir.resolve(HookTimeLimits.FILE)), "forgetting what was never set writes nothing");
    }

    @Test
    void limitsOutsideTenMillisecondsToAMinuteAreRefusedAndHandEditedOnesClamped(@TempDir Path dir) throws Exception {
        HookTimeLimits limits = new HookTimeLimits(dir);
        assertThrows(IllegalArgumentException.class, () -> limits.set("p", Duration.ofMillis(5)));
        assertThrows(IllegalArgumentException.class, () -> limits.set("p", Duration.ofMinutes(2)));
        Files.writeString(dir.resolve(HookTimeLimits.FILE), "a=1\nb=999999\nc=soon\n");
        limits.load();
        assertEquals(Optional.of(HookTimeLimits.SHORTEST), limits.of("a"));
        assertEquals(Optional.of(HookTimeLimits.LONGEST), limits.of("b"));
        assertTrue(limits.of("c").isEmpty(), "not a number: the plugin's own limit applies");
    }
}
