-- What each template boots as PID 1 (vessel, systemd or other) and systemd's version, found when it is built; the
-- stop signal and whether a cgroup v1 node can run it follow from them. Templates built before are Vessel's init
-- where they name it, and otherwise unknown (treated as another init).
ALTER TABLE template ADD COLUMN init_system varchar(20);
ALTER TABLE template ADD COLUMN systemd_version integer;
UPDATE template SET init_system = 'vessel' WHERE init = '/sbin/vessel-init' OR source = 'BUILTIN';
