package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

    private static List<String> runs(CronSchedule schedule, String from, int count) {
        List<String> out = new ArrayList<>();
        Instant t = Instant.parse(from);
        for (int i = 0; i < count; i++) {
            t = schedule.next(t).orElseThrow();
            out.add(ZonedDateTime.ofInstant(t, schedule.zone()).toOffsetDateTime().toString());
        }
        return out;
    }

    @Test
    void fiveFieldsAreCrontabAndSixHaveSecondsFirst() {
        assertEquals(List.of("2026-11-29T03:30Z", "2026-11-30T03:30Z"), runs(CronSchedule.parse("30 3 * * *", null), "2026-11-29T00:00:00Z", 2));
        assertEquals(List.of("2026-11-29T00:00:02Z", "2026-11-29T00:00:04Z"), runs(CronSchedule.parse("*/2 * * * * *", "UTC"), "2026-11-29T00:00:00Z", 2));
    }

    @Test
    void aDailyRunInATimeThatDoesNotExistOnTheSpringForwardDayRunsOnceAfterTheGap() {
        // Europe/Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST
        assertEquals(List.of("2026-03-28T02:30+01:00", "2026-03-29T03:30+02:00", "2026-03-30T02:30+02:00"),
                runs(CronSchedule.parse("30 2 * * *", "Europe/Berlin"), "2026-03-27T12:00:00Z", 3));
    }

    @Test
    void aDailyRunInATimeThatOccursTwiceWhenClocksGoBackRunsOnce() {
        // Europe/Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET, so 02:30 happens twice
        assertEquals(List.of("2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"),
                runs(CronSchedule.parse("30 2 * * *", "Europe/Berlin"), "2026-10-23T12:00:00Z", 3));
    }

    @Test
    void anHourlyRunKeepsItsRhythmAcrossTheChanges() {
        List<String> spring = runs(CronSchedule.parse("0 * * * *", "Europe/Berlin"), "2026-03-29T00:30:00Z", 2);
        assertEquals(List.of("2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00"), spring, "01:00 UTC is 03:00 CEST: no 02:00 that day");
        List<String> autumn = runs(CronSchedule.parse("0 * * * *", "Europe/Berlin"), "2026-10-24T23:30:00Z", 3);
        assertEquals(List.of("2026-10-25T02:00+02:00", "2026-10-25T03:00+01:00", "2026-10-25T04:00+01:00"), autumn,
                "the repeated 02:00 runs once");
    }

    @Test
    void badExpressionsAndZonesAreRefusedWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 * * * *", null)).getMessage()
                .startsWith("'61 * * * *' is not a valid cron expression"));
        assertEquals("'* * *' has 3 fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)",
                assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * *", null)).getMessage());
        assertEquals("unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Berlin)",
                assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * * *", "Mars/Olympus")).getMessage());
    }
}
