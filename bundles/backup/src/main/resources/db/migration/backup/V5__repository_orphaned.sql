-- When the repository's tenant was first found owning no VE (a terminated customer): its backups are deleted a
-- retention (backup.terminated.retention) after that, unless it owns a VE again meanwhile.
ALTER TABLE backup_repository ADD COLUMN orphaned_since timestamp(6) with time zone;
