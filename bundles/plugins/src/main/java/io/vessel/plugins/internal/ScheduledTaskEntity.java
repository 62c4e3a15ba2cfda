package io.vessel.plugins.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A scheduled task's row: schedule, next due time, lease and last run. */
@Entity(name = "ScheduledTaskEntity")
@Table(name = "scheduled_task")
public class ScheduledTaskEntity {

    @Id
    @Column(name = "name")
    String name;
    @Column(name = "bundle")
    String bundle;
    @Column(name = "cron")
    String cron;
    @Column(name = "time_zone")
    String timeZone;
    @Column(name = "next_run_at")
    Instant nextRunAt;
    @Column(name = "lease_owner")
    String leaseOwner;
    @Column(name = "lease_until")
    Instant leaseUntil;
    @Column(name = "last_scheduled_for")
    Instant lastScheduledFor;
    @Column(name = "last_started_at")
    Instant lastStartedAt;
    @Column(name = "last_finished_at")
    Instant lastFinishedAt;
    @Column(name = "last_outcome")
    String lastOutcome;
    @Column(name = "last_error")
    String lastError;
    @Column(name = "runs")
    long runs;
    @Column(name = "updated_at")
    Instant updatedAt;

    protected ScheduledTaskEntity() {
    }

    ScheduledTaskEntity(String name, String bundle, String cron, String timeZone, Instant nextRunAt, Instant now) {
        this.name = name;
        this.bundle = bundle;
        this.cron = cron;
        this.timeZone = timeZone;
        this.nextRunAt = nextRunAt;
        this.updatedAt = now;
    }
}
