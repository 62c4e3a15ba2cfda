package io.vessel.misbehaving.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import org.osgi.service.component.annotations.Component;

/** Due every 3 s and always fails, so tests see a failure recorded with its message. */
@Component(service = ScheduledTask.class, property = {
        ScheduledTask.NAME + "=misbehaving.failing-task",
        ScheduledTask.CRON + "=*/3 * * * * *"})
public final class FailingTask implements ScheduledTask {

    @Override
    public void run(TaskRun run) {
        throw new IllegalStateException("the remote end refused the report");
    }
}
