-- Placement: what each node last reported of itself with its heartbeat (its NodeStatus as JSON: CPUs, memory,
-- storage pool, load), and what the provider set for it: labels (a JSON object of strings) and overcommit ratios
-- (null: no cap for that resource).
ALTER TABLE node ADD COLUMN status varchar(2000);
ALTER TABLE node ADD COLUMN status_at timestamp(6) with time zone;
ALTER TABLE node ADD COLUMN labels varchar(2000);
ALTER TABLE node ADD COLUMN overcommit_cpu double precision;
ALTER TABLE node ADD COLUMN overcommit_memory double precision;
ALTER TABLE node ADD COLUMN overcommit_disk double precision;
-- false while the provider keeps new VEs off the node (maintenance, before it leaves); its VEs run on
ALTER TABLE node ADD COLUMN accepts_new_ves boolean DEFAULT true NOT NULL;
