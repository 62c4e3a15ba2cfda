package io.vessel.backup.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** When a VE is backed up by itself, and which of its backups are kept. */
@Entity(name = "BackupScheduleEntity")
@Table(name = "backup_schedule")
public class BackupScheduleEntity {
    @Id
    @Column(name = "ve_id")
    int veId;
    @Column(name = "tenant_id")
    UUID tenantId;
    String cron;
    @Column(name = "time_zone")
    String timeZone;
    @Column(name = "spread_minutes")
    int spreadMinutes;
    @Column(name = "keep_last")
    int keepLast;
    @Column(name = "keep_hourly")
    int keepHourly;
    @Column(name = "keep_daily")
    int keepDaily;
    @Column(name = "keep_weekly")
    int keepWeekly;
    @Column(name = "keep_monthly")
    int keepMonthly;
    @Column(name = "keep_yearly")
    int keepYearly;
    @Column(name = "next_run_at")
    Instant nextRunAt;
    @Column(name = "last_run_at")
    Instant lastRunAt;
    @Column(name = "last_outcome")
    String lastOutcome;
    @Column(name = "last_error")
    String lastError;
    @Column(name = "updated_at")
    Instant updatedAt;
    /** Set from the VE's plan (and kept in step with it), not by the VE's owner. */
    @Column(name = "from_plan")
    boolean fromPlan;

    protected BackupScheduleEntity() {
    }

    BackupScheduleEntity(int veId, UUID tenantId) {
        this.veId = veId;
        this.tenantId = tenantId;
    }

    Retention retention() {
        return new Retention(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly);
    }

    void retention(Retention keep) {
        keepLast = keep.last();
        keepHourly = keep.hourly();
        keepDaily = keep.daily();
        keepWeekly = keep.weekly();
        keepMonthly = keep.monthly();
        keepYearly = keep.yearly();
    }
}
