-- A schedule that comes from the VE's plan (billing's backupSchedule) rather than from the VE's owner: kept in step
-- with the plan, and replaced by one the owner sets.
ALTER TABLE backup_schedule ADD COLUMN from_plan boolean DEFAULT false NOT NULL;

-- The repository key Vessel opens it with: restic tries a repository's keys one after another, each a key derivation
-- of half a second, and is told which one to try first (--key-hint).
ALTER TABLE backup_repository ADD COLUMN key_id varchar(64);
