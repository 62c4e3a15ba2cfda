package io.vessel.api.schedule;

import java.time.Instant;

/**
 * One run of a {@link ScheduledTask}.
 *
 * @param name         the task's name
 * @param scheduledFor the time it was due (for a catch-up, the earliest missed time)
 * @param catchUp      true when it stands for runs missed while the panel was down or busy
 */
public record TaskRun(String name, Instant scheduledFor, boolean catchUp) {
}
