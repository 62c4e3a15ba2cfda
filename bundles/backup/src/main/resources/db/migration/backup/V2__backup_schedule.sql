-- A VE's backup schedule: when (cron in a time zone, spread by up to spread_minutes so that many VEs scheduled at
-- the same minute do not start at once) and which backups to keep afterwards (restic's forget policy; 0: not used).
-- next_run_at is claimed by a conditional update, so each scheduled time makes one backup across panel processes.
CREATE TABLE backup_schedule (
    ve_id integer PRIMARY KEY,
    tenant_id uuid,
    cron varchar(100) NOT NULL,
    time_zone varchar(64) NOT NULL,
    spread_minutes integer NOT NULL,
    keep_last integer NOT NULL,
    keep_hourly integer NOT NULL,
    keep_daily integer NOT NULL,
    keep_weekly integer NOT NULL,
    keep_monthly integer NOT NULL,
    keep_yearly integer NOT NULL,
    next_run_at timestamp(6) with time zone,
    last_run_at timestamp(6) with time zone,
    last_outcome varchar(20),
    last_error varchar(2000),
    updated_at timestamp(6) with time zone NOT NULL
);

CREATE INDEX backup_schedule_due ON backup_schedule (next_run_at);
