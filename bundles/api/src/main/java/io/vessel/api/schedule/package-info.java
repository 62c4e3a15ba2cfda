/**
 * Scheduled tasks: work a bundle or plugin wants done on a cron schedule (billing runs, backup schedules, clean-ups).
 * See {@link io.vessel.api.schedule.ScheduledTask}.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vessel.api.schedule;
