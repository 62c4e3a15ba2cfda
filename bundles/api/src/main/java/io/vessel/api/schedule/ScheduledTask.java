package io.vessel.api.schedule;

/**
 * Work to run on a schedule, registered as an OSGi service with these properties:
 * <ul>
 * <li>{@link #NAME} (required): unique across the panel, e.g. {@code billing.invoice-run}; the task's history is
 * kept under it, so keep it stable across versions.</li>
 * <li>{@link #CRON} (required): a cron expression, five fields ({@code minute hour day-of-month month day-of-week},
 * as crontab) or six with seconds first ({@code 0 30 3 * * *}).</li>
 * <li>{@link #TIME_ZONE}: the IANA zone the expression is read in ({@code Europe/Berlin}; default UTC). Across
 * daylight-saving changes a task runs once per matching wall-clock time: a time that does not exist on the day
 * clocks go forward runs as much later as the clocks jumped (02:30 at 03:30), unless that is a run of its own; a
 * time that occurs twice when they go back runs at its first occurrence only.</li>
 * <li>{@link #MISSED}: what happens to runs missed while the panel was down, or while the previous run was still
 * going ({@code skip}, the default: wait for the next time; {@code catch-up}: run once at once, however many were
 * missed, with {@link TaskRun#catchUp()} set).</li>
 * <li>{@link #TIME_LIMIT}: seconds a run may take (default 3600); a run over it is interrupted and recorded as
 * timed out.</li>
 * </ul>
 * A task never runs concurrently with itself, and with several panel processes on one database it runs once per
 * scheduled time, in one of them. Its last and next run, outcome and error are shown to the provider.
 */
@FunctionalInterface
public interface ScheduledTask {

    String NAME = "vessel.task.name";
    String CRON = "vessel.task.cron";
    String TIME_ZONE = "vessel.task.timezone";
    String MISSED = "vessel.task.missed";
    String TIME_LIMIT = "vessel.task.timeLimitSeconds";

    /** {@link #MISSED}: run once at once for everything missed. */
    String CATCH_UP = "catch-up";
    /** {@link #MISSED}: do not run missed times (the default). */
    String SKIP = "skip";

    /** Does the work; throwing records the run as failed with the exception's message. */
    void run(TaskRun run) throws Exception;
}
