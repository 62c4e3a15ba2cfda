package io.vessel.sample.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduled task: every night at 03:30 Berlin time, greetings older than 90 days are deleted. A night the panel
 * was down is caught up once when it is back.
 */
@Component(service = ScheduledTask.class, property = {
        ScheduledTask.NAME + "=sample.greeting-cleanup",
        ScheduledTask.CRON + "=30 3 * * *",
        ScheduledTask.TIME_ZONE + "=Europe/Berlin",
        ScheduledTask.MISSED + "=" + ScheduledTask.CATCH_UP,
        ScheduledTask.TIME_LIMIT + "=300"})
public final class GreetingCleanup implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(GreetingCleanup.class);

    private final Database database;

    @Activate
    public GreetingCleanup(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + SamplePersistence.MODULE + ")") Database database) {
        this.database = database;
    }

    @Override
    public void run(TaskRun run) {
        Instant cutoff = Instant.now().minus(90, ChronoUnit.DAYS);
        int deleted = database.inTransaction(em -> em.createQuery("delete from Greeting g where g.createdAt < :cutoff")
                .setParameter("cutoff", cutoff).executeUpdate());
        LOG.info("Old greetings deleted count={} catchUp={}", deleted, run.catchUp());
    }
}
