package io.vessel.billing.api;

/**
 * When a plan's VEs are backed up unless a VE has a schedule of its own, and which backups are kept (restic's forget
 * policy: the newest {@code keepLast}, and the newest of each of the last n hours, days, weeks, months, years; 0:
 * not used). {@code cron}: five fields as crontab, or six with seconds first, in {@code timeZone}; each VE's time
 * spread by up to {@code spreadMinutes}. @since 0.6
 */
public record PlanBackupSchedule(String cron, String timeZone, int spreadMinutes, int keepLast, int keepHourly, int keepDaily,
                                 int keepWeekly, int keepMonthly, int keepYearly) {
}
