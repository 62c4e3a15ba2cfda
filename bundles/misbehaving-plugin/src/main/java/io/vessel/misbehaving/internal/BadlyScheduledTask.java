package io.vessel.misbehaving.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import org.osgi.service.component.annotations.Component;

/** A task with an expression that is no cron expression: listed with the reason, never run. */
@Component(service = ScheduledTask.class, property = {
        ScheduledTask.NAME + "=misbehaving.bad-schedule",
        ScheduledTask.CRON + "=every day at noon"})
public final class BadlyScheduledTask implements ScheduledTask {

    @Override
    public void run(TaskRun run) {
        throw new AssertionError("must never run");
    }
}
