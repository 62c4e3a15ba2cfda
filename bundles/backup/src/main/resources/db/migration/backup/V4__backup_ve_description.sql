-- What the backed-up VE was (host name, template, limits, privileged), so that a backup restores into a new VE
-- made like it even after the VE itself was destroyed — the commonest restore of all.
ALTER TABLE backup ADD COLUMN ve_hostname varchar(253);
ALTER TABLE backup ADD COLUMN ve_template varchar(200);
ALTER TABLE backup ADD COLUMN ve_limits varchar(4000);
ALTER TABLE backup ADD COLUMN ve_privileged boolean;
