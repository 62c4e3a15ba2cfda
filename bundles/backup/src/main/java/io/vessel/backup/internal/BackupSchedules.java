package io.vessel.backup.internal;

import io.vessel.api.schedule.CronSchedules;
import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VEs' backup schedules: a cron expression in a time zone, spread by a random delay so that a thousand VEs scheduled
 * for 02:00 do not all start at 02:00, and a retention applied after each scheduled backup. Due schedules are found
 * by the panel's task scheduler every ten seconds ({@code backup.schedules}); each due time is claimed by one
 * conditional update, so it makes one backup however many panels run. A VE busy at its time (a manual backup, a
 * restore) skips that time, recorded as the schedule's last outcome.
 */
@Component(service = {BackupSchedules.class, ScheduledTask.class}, property = {ScheduledTask.NAME + "=backup.schedules",
        ScheduledTask.CRON + "=*/10 * * * * *", ScheduledTask.TIME_LIMIT + "=60"})
public final class BackupSchedules implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(BackupSchedules.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A schedule as the API shows and takes it. */
    public record ScheduleView(int ve, String cron, String timeZone, int spreadMinutes, Retention keep, Instant nextRunAt, Instant lastRunAt,
                               String lastOutcome, String lastError, boolean fromPlan) {
        static ScheduleView of(BackupScheduleEntity s) {
            return new ScheduleView(s.veId, s.cron, s.timeZone, s.spreadMinutes, s.retention(), s.nextRunAt, s.lastRunAt, s.lastOutcome, s.lastError,
                    s.fromPlan);
        }
    }

    private final Database database;
    private final BackupService backups;
    private final VeService ves;
    private final CronSchedules cron;
    private final Duration minInterval;
    private final Clock clock = Clock.systemUTC();

    @Activate
    public BackupSchedules(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BackupPersistence.MODULE + ")") Database database,
                           @Reference BackupService backups, @Reference VeService ves, @Reference CronSchedules cron) {
        this.database = database;
        this.backups = backups;
        this.ves = ves;
        this.cron = cron;
        this.minInterval = backups.minScheduleInterval();
    }

    Optional<ScheduleView> get(int veId) {
        return Optional.ofNullable(database.inTransaction(em -> {
            BackupScheduleEntity s = em.find(BackupScheduleEntity.class, veId);
            return s == null ? null : ScheduleView.of(s);
        }));
    }

    /**
     * Sets the VE's schedule. {@code provider}: the provider's own administrators may schedule as often as they like;
     * everybody else at most every {@code backup.schedule_min_interval}.
     */
    ScheduleView put(int veId, String expression, String zone, int spreadMinutes, Retention keep, boolean provider) {
        VirtualEnvironment ve = ves.find(veId).orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND, "There is no VE " + veId + "."));
        if (spreadMinutes < 0 || spreadMinutes > 24 * 60) {
            throw new VeException(VeException.Kind.INVALID, "spreadMinutes", "The spread is from 0 to 1440 minutes.", null);
        }
        String timeZone = zone == null || zone.isBlank() ? "UTC" : zone.strip();
        Instant now = clock.instant();
        Instant first;
        Instant second;
        try {
            first = cron.next(expression, timeZone, now).orElseThrow(() -> new IllegalArgumentException("'" + expression + "' never comes again"));
            second = cron.next(expression, timeZone, first).orElse(first.plus(Duration.ofDays(3650)));
        } catch (IllegalArgumentException e) {
            throw new VeException(VeException.Kind.INVALID, "cron", capitalized(e.getMessage()) + ".", null);
        }
        if (!provider && Duration.between(first, second).compareTo(minInterval) < 0) {
            throw new VeException(VeException.Kind.UNPROCESSABLE, "cron", "'" + expression + "' backs up more often than this panel allows: at most"
                    + " every " + describe(minInterval) + ".", null);
        }
        java.util.OptionalLong slots = backups.slots(ve.owner());
        int mostKept = keep.last() + keep.hourly() + keep.daily() + keep.weekly() + keep.monthly() + keep.yearly();
        if (slots.isPresent() && (keep.keepsAll() || mostKept > slots.getAsLong())) {
            throw new VeException(VeException.Kind.UNPROCESSABLE, "keep", "This schedule would keep " + (keep.keepsAll() ? "every backup"
                    : "up to " + mostKept + " backups") + ", and the plan keeps at most " + slots.getAsLong() + ": keep fewer.", null);
        }
        Instant next = first.plusSeconds(spread(spreadMinutes));
        UUID tenant = ve.owner() == null ? null : UUID.fromString(ve.owner());
        return database.inTransaction(em -> {
            BackupScheduleEntity existing = em.find(BackupScheduleEntity.class, veId);
            BackupScheduleEntity s = existing != null ? existing : new BackupScheduleEntity(veId, tenant);
            s.tenantId = tenant;
            s.cron = expression.strip().replaceAll("\\s+", " ");
            s.timeZone = timeZone;
            s.spreadMinutes = spreadMinutes;
            s.retention(keep);
            s.nextRunAt = next;
            s.updatedAt = now;
            s.fromPlan = false; // the owner's own, from now on: the plan's no longer applies to this VE
            if (existing == null) {
                em.persist(s); // whole: the row is written at once, and every column is required
            }
            LOG.info("Backup schedule set ve={} cron=\"{}\" zone={} next={}", veId, s.cron, timeZone, next);
            return ScheduleView.of(s);
        });
    }

    boolean delete(int veId) {
        return database.inTransaction(em -> {
            BackupScheduleEntity s = em.find(BackupScheduleEntity.class, veId);
            if (s != null) {
                em.remove(s);
            }
            return s != null;
        });
    }

    /** When the plans' schedules were last brought into the VEs' schedules. */
    private volatile Instant plansSynced = Instant.EPOCH;

    /** Every ten seconds: the schedules that are due make their backups (and now and then, the plans' are followed). */
    @Override
    public void run(TaskRun run) {
        Instant now = clock.instant();
        if (!now.isBefore(plansSynced.plus(backups.planScheduleSync()))) {
            plansSynced = now;
            try {
                followPlans(now);
            } catch (RuntimeException e) {
                LOG.warn("Plans' backup schedules not followed: {}", e.toString());
            }
        }
        List<BackupScheduleEntity> due = database.inTransaction(em -> em.createQuery(
                "select s from BackupScheduleEntity s where s.nextRunAt <= :now order by s.nextRunAt", BackupScheduleEntity.class)
                .setParameter("now", now).setMaxResults(200).getResultList());
        for (BackupScheduleEntity schedule : due) {
            Instant next = nextAfter(schedule, now);
            int claimed = database.inTransaction(em -> em.createQuery("update BackupScheduleEntity s set s.nextRunAt = :next, s.lastRunAt = :now"
                            + " where s.veId = :ve and s.nextRunAt = :was").setParameter("next", next).setParameter("now", now)
                    .setParameter("ve", schedule.veId).setParameter("was", schedule.nextRunAt).executeUpdate());
            if (claimed == 0) {
                continue; // another panel took this time, or the schedule changed meanwhile
            }
            String outcome;
            String error = null;
            try {
                backups.backup(schedule.veId, null, "scheduled", "schedule", schedule.retention());
                outcome = "STARTED";
            } catch (VeException e) {
                outcome = "SKIPPED";
                error = e.getMessage();
                LOG.info("Scheduled backup skipped ve={}: {}", schedule.veId, e.getMessage());
            } catch (RuntimeException e) {
                outcome = "FAILED";
                error = e.getMessage();
                LOG.warn("Scheduled backup not started ve={}: {}", schedule.veId, e.toString());
            }
            String finalOutcome = outcome;
            String finalError = error;
            database.run(em -> {
                BackupScheduleEntity s = em.find(BackupScheduleEntity.class, schedule.veId);
                if (s != null) {
                    s.lastOutcome = finalOutcome;
                    s.lastError = finalError;
                }
            });
        }
    }

    /**
     * Gives every VE whose plan has a backup schedule that schedule, unless its owner set one of its own, keeps it in
     * step when the plan (or the VE's subscription) changes, and removes it when the plan has none any more.
     */
    void followPlans(Instant now) {
        io.vessel.backup.api.BackupQuota quota = backups.quota();
        if (quota == null) {
            return;
        }
        java.util.Map<Integer, BackupScheduleEntity> schedules = new java.util.HashMap<>();
        database.inTransaction(em -> em.createQuery("select s from BackupScheduleEntity s", BackupScheduleEntity.class).getResultList())
                .forEach(s -> schedules.put(s.veId, s));
        for (VirtualEnvironment ve : ves.list()) {
            BackupScheduleEntity current = schedules.get(ve.id());
            if (ve.owner() == null || (current != null && !current.fromPlan)) {
                continue;
            }
            Optional<io.vessel.backup.api.BackupQuota.PlanSchedule> planned = quota.planSchedule(ve.owner(), ve.id());
            if (planned.isEmpty()) {
                if (current != null) {
                    delete(ve.id());
                    LOG.info("Backup schedule of a plan removed ve={}", ve.id());
                }
                continue;
            }
            io.vessel.backup.api.BackupQuota.PlanSchedule p = planned.get();
            Retention keep = new Retention(p.keepLast(), p.keepHourly(), p.keepDaily(), p.keepWeekly(), p.keepMonthly(), p.keepYearly());
            if (current != null && current.cron.equals(p.cron()) && current.timeZone.equals(p.timeZone())
                    && current.spreadMinutes == p.spreadMinutes() && current.retention().equals(keep)) {
                continue;
            }
            Instant next;
            try {
                next = cron.next(p.cron(), p.timeZone(), now).map(t -> t.plusSeconds(spread(p.spreadMinutes())))
                        .orElseThrow(() -> new IllegalArgumentException("it never comes again"));
            } catch (IllegalArgumentException e) {
                LOG.warn("A plan's backup schedule cannot be followed ve={} cron=\"{}\": {}", ve.id(), p.cron(), e.getMessage());
                continue;
            }
            UUID tenant = UUID.fromString(ve.owner());
            database.run(em -> {
                BackupScheduleEntity s = em.find(BackupScheduleEntity.class, ve.id());
                boolean made = s == null;
                s = made ? new BackupScheduleEntity(ve.id(), tenant) : s;
                s.tenantId = tenant;
                s.cron = p.cron();
                s.timeZone = p.timeZone();
                s.spreadMinutes = p.spreadMinutes();
                s.retention(keep);
                s.nextRunAt = next;
                s.updatedAt = now;
                s.fromPlan = true;
                if (made) {
                    em.persist(s);
                }
            });
            LOG.info("Backup schedule of a plan followed ve={} cron=\"{}\" zone={} next={}", ve.id(), p.cron(), p.timeZone(), next);
        }
    }

    /** The schedule's next time after now (missed times are skipped, not caught up), spread. */
    private Instant nextAfter(BackupScheduleEntity schedule, Instant now) {
        try {
            return cron.next(schedule.cron, schedule.timeZone, now).map(t -> t.plusSeconds(spread(schedule.spreadMinutes)))
                    .orElse(now.plus(Duration.ofDays(36500)));
        } catch (IllegalArgumentException e) {
            return now.plus(Duration.ofDays(36500)); // no longer readable: stays, but never due
        }
    }

    private static long spread(int minutes) {
        return minutes <= 0 ? 0 : RANDOM.nextInt(minutes * 60 + 1);
    }

    private static String describe(Duration d) {
        return d.toHours() >= 1 && d.toMinutesPart() == 0 ? d.toHours() + " h" : d.toMinutes() >= 1 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static String capitalized(String s) {
        return s == null || s.isEmpty() ? "Not a valid schedule" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
