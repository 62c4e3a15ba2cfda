package io.vessel.api.schedule;

import java.time.Instant;
import java.util.Optional;

/**
 * Reads cron expressions the way {@link ScheduledTask}s are scheduled (five fields as crontab, or six with seconds
 * first; wall-clock time in an IANA zone, with the same daylight-saving rules), for bundles that keep schedules of
 * their own — one per VE, say — and decide themselves when each is due. @since 1.1
 */
public interface CronSchedules {

    /**
     * The first time strictly after {@code after} that {@code expression} names in {@code zone} (UTC when null);
     * empty when it never matches again.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong with the expression or the zone
     */
    Optional<Instant> next(String expression, String zone, Instant after);
}
