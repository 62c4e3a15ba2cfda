-- Lifetime time integrals of the gauges (billing rates memory GiB-hours, disk GiB-months, running and address hours
-- from them as from the counters). Rows stored before these columns existed have none (NULL).
ALTER TABLE ve_usage ADD COLUMN memory_kib_seconds_total bigint;
ALTER TABLE ve_usage ADD COLUMN disk_kib_seconds_total bigint;
ALTER TABLE ve_usage ADD COLUMN running_ms_total bigint;
ALTER TABLE ve_usage ADD COLUMN address_ms_total bigint;
ALTER TABLE ve_counter ADD COLUMN memory_kib_seconds_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN disk_kib_seconds_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN running_ms_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN address_ms_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN last_disk_bytes bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN last_addresses integer DEFAULT 0 NOT NULL;
