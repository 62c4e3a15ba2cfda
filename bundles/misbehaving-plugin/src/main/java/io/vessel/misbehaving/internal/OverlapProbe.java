package io.vessel.misbehaving.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.osgi.service.component.annotations.Component;

/**
 * Due every 2 s, takes 3 s: a task that outlasts its period, so tests can see it never overlaps itself. Appends
 * {@code start <ms>} and {@code end <ms>} to the file named by {@code VESSEL_FIXTURE_TASK_LOG}; without it, it returns at
 * once.
 */
@Component(service = ScheduledTask.class, property = {
        ScheduledTask.NAME + "=misbehaving.overlap-probe",
        ScheduledTask.CRON + "=*/2 * * * * *"})
public final class OverlapProbe implements ScheduledTask {

    @Override
    public void run(TaskRun run) throws IOException, InterruptedException {
        if (System.getenv("VESSEL_FIXTURE_TASK_LOG") == null) {
            return; // only the scheduling test wants a task holding a thread of this plugin's pool
        }
        log("start");
        Thread.sleep(3000);
        log("end");
    }

    private static void log(String what) throws IOException {
        String file = System.getenv("VESSEL_FIXTURE_TASK_LOG");
        if (file != null) {
            Files.writeString(Path.of(file), what + " " + System.currentTimeMillis() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
