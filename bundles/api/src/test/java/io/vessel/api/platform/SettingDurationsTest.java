package io.vessel.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingDurationsTest {

    @Test
    void readsTheUnitsSettingsAreWrittenIn() {
        assertEquals(Duration.ofMillis(250), SettingDurations.parse("x", "250ms"));
        assertEquals(Duration.ofSeconds(30), SettingDurations.parse("x", " 30 "));
        assertEquals(Duration.ofMinutes(5), SettingDurations.parse("x", "5m"));
        assertEquals(Duration.ofHours(12), SettingDurations.parse("x", "12h"));
        assertEquals(Duration.ofDays(30), SettingDurations.parse("x", "30d"));
    }

    @Test
    void aWrongValueNamesItsSetting() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> SettingDurations.parse("backup.time.limit", "soon"));
        assertTrue(wrong.getMessage().startsWith("backup.time.limit must be a duration"), wrong.getMessage());
    }
}
