-- CPU pinning and disk I/O limits of a VE (0: no cap; empty cpuset: all host CPUs).
ALTER TABLE ve ADD COLUMN cpuset varchar(200) DEFAULT '' NOT NULL;
ALTER TABLE ve ADD COLUMN io_weight integer DEFAULT 100 NOT NULL;
ALTER TABLE ve ADD COLUMN read_bps bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve ADD COLUMN write_bps bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve ADD COLUMN read_iops bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve ADD COLUMN write_iops bigint DEFAULT 0 NOT NULL;
