-- vessel: expand
-- What each node's process runs (server.role): a panel-only process (server.role = panel) is recorded for its channel
-- identity and heartbeat but hosts no VEs, so placement, moves and drains pass it by. Null: a record from before,
-- which hosts VEs.
ALTER TABLE node ADD COLUMN server_role varchar(20);
