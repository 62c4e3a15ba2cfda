-- VE usage samples: resolution 0 = raw (every sweep), 1 = 1-minute rollups, 2 = 1-hour rollups.
-- Counters (*_total) are lifetime totals of the VE; the other columns are gauges.
CREATE TABLE ve_usage (
    ve_id integer NOT NULL,
    resolution smallint NOT NULL,
    at timestamp(6) with time zone NOT NULL,
    cpu_ns_total bigint NOT NULL,
    memory_bytes bigint NOT NULL,
    memory_peak_bytes bigint NOT NULL,
    swap_bytes bigint NOT NULL,
    processes bigint NOT NULL,
    disk_bytes bigint,
    disk_inodes bigint,
    read_bytes_total bigint NOT NULL,
    write_bytes_total bigint NOT NULL,
    read_ops_total bigint NOT NULL,
    write_ops_total bigint NOT NULL,
    net_rx_bytes_total bigint,
    net_tx_bytes_total bigint,
    net_rx_packets_total bigint,
    net_tx_packets_total bigint,
    PRIMARY KEY (ve_id, resolution, at)
);

-- Where each VE's counters stood at the last sweep, so lifetime totals survive VE and panel restarts.
CREATE TABLE ve_counter (
    ve_id integer PRIMARY KEY,
    cgroup_id bigint NOT NULL,
    sampled_at timestamp(6) with time zone NOT NULL,
    cpu_ns_raw bigint NOT NULL,
    cpu_ns_total bigint NOT NULL,
    read_bytes_raw bigint NOT NULL,
    read_bytes_total bigint NOT NULL,
    write_bytes_raw bigint NOT NULL,
    write_bytes_total bigint NOT NULL,
    read_ops_raw bigint NOT NULL,
    read_ops_total bigint NOT NULL,
    write_ops_raw bigint NOT NULL,
    write_ops_total bigint NOT NULL,
    memory_peak_bytes bigint NOT NULL
);
