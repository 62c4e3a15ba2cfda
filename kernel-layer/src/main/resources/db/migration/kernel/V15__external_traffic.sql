-- Each VE's external traffic (to and from anything but the other VEs on its bridge): lifetime totals, and the raw
-- counters of its bridge port they were last read from.
ALTER TABLE ve_usage ADD COLUMN net_external_tx_bytes_total bigint;
ALTER TABLE ve_usage ADD COLUMN net_external_rx_bytes_total bigint;
ALTER TABLE ve_counter ADD COLUMN net_external_tx_bytes_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_external_tx_bytes_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_external_rx_bytes_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_external_rx_bytes_total bigint DEFAULT 0 NOT NULL;
