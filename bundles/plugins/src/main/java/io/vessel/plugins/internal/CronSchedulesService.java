package io.vessel.plugins.internal;

import io.vessel.api.schedule.CronSchedules;
import java.time.Instant;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/** {@link CronSchedules} with the scheduler's own reading of cron expressions ({@link CronSchedule}). */
@Component(service = CronSchedules.class)
public final class CronSchedulesService implements CronSchedules {

    @Override
    public Optional<Instant> next(String expression, String zone, Instant after) {
        return CronSchedule.parse(expression, zone).next(after);
    }
}
