-- Network bandwidth caps of a VE (bits per second; 0: none) and its network counters for lifetime totals.
ALTER TABLE ve ADD COLUMN net_in_bps bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve ADD COLUMN net_out_bps bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_rx_bytes_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_rx_bytes_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_tx_bytes_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_tx_bytes_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_rx_packets_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_rx_packets_total bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_tx_packets_raw bigint DEFAULT 0 NOT NULL;
ALTER TABLE ve_counter ADD COLUMN net_tx_packets_total bigint DEFAULT 0 NOT NULL;
