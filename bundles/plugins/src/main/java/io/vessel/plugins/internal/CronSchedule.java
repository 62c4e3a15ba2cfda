package io.vessel.plugins.internal;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A cron expression read in a time zone (cron-utils parses it and finds the times): five fields as crontab, or six
 * with seconds first. The next time is computed on wall-clock time in the zone, which is what makes a daily 02:30
 * run once on the days clocks change (see {@link io.vessel.api.schedule.ScheduledTask#TIME_ZONE}).
 */
final class CronSchedule {

    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser WITH_SECONDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime times) {
        this.expression = expression;
        this.zone = zone;
        this.times = times;
    }

    /** @throws IllegalArgumentException with a sentence saying what is wrong */
    static CronSchedule parse(String expression, String zone) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("no cron expression");
        }
        String text = expression.strip().replaceAll("\\s+", " ");
        ZoneId zoneId;
        try {
            zoneId = zone == null || zone.isBlank() ? ZoneId.of("UTC") : ZoneId.of(zone.strip());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + zone + "' (an IANA name such as Europe/Berlin)");
        }
        int fields = text.split(" ").length;
        if (fields != 5 && fields != 6) {
            throw new IllegalArgumentException("'" + text + "' has " + fields + " fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)");
        }
        try {
            Cron cron = (fields == 5 ? UNIX : WITH_SECONDS).parse(text).validate();
            return new CronSchedule(text, zoneId, ExecutionTime.forCron(cron));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid cron expression: " + e.getMessage());
        }
    }

    /**
     * The first time strictly after {@code after}, if the expression ever matches again. The expression is matched
     * against wall-clock time in the zone (cron-utils is given local time as if it were UTC, which has no
     * daylight-saving changes), and the matching wall-clock time is then placed in the zone: a time inside the
     * spring-forward gap moves on by the gap (02:30 runs at 03:30), a time that occurs twice takes its first
     * occurrence. cron-utils on zoned times instead drops a daily run whose time falls in the gap.
     */
    Optional<Instant> next(Instant after) {
        ZonedDateTime local = after.atZone(zone).toLocalDateTime().atZone(ZoneOffset.UTC);
        for (int i = 0; i < 4; i++) {
            Optional<ZonedDateTime> match = times.nextExecution(local);
            if (match.isEmpty()) {
                return Optional.empty();
            }
            Instant at = ZonedDateTime.ofLocal(match.get().toLocalDateTime(), zone, null).toInstant();
            if (at.isAfter(after)) {
                return Optional.of(at);
            }
            local = match.get(); // the first occurrence of a repeated time already passed: take the next match
        }
        return Optional.empty();
    }

    String expression() {
        return expression;
    }

    ZoneId zone() {
        return zone;
    }
}
