-- Verification of each repository (restic check, reading a different slice of its data each time): when, and what
-- it found. A failed check marks the repository's backups as possibly damaged until a check passes again.
ALTER TABLE backup_repository ADD COLUMN check_slice integer;
ALTER TABLE backup_repository ADD COLUMN checked_at timestamp(6) with time zone;
ALTER TABLE backup_repository ADD COLUMN check_ok boolean;
ALTER TABLE backup_repository ADD COLUMN check_error varchar(2000);
