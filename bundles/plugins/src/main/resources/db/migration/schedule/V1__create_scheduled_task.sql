-- One row per scheduled task: its schedule, the next time it is due, who runs it now (a lease, so that with several
-- panel processes on one database a task runs once per time and never twice at once), and its last run.
CREATE TABLE scheduled_task (
    name varchar(200) PRIMARY KEY,
    bundle varchar(200) NOT NULL,
    cron varchar(200) NOT NULL,
    time_zone varchar(100) NOT NULL,
    next_run_at timestamp(6) with time zone NOT NULL,
    lease_owner varchar(100),
    lease_until timestamp(6) with time zone,
    last_scheduled_for timestamp(6) with time zone,
    last_started_at timestamp(6) with time zone,
    last_finished_at timestamp(6) with time zone,
    last_outcome varchar(20),
    last_error varchar(2000),
    runs bigint NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL
);
