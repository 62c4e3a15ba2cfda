-- Dispatch: an operation recorded for a node to run (its VE's node), with what its handler needs. The node claims
-- it (runner set, FOR UPDATE SKIP LOCKED), so it outlives the panel process that recorded it. A queued operation's
-- lease is the time its node has to take it up.
ALTER TABLE operation ADD COLUMN node varchar(64);
ALTER TABLE operation ADD COLUMN parameters varchar(4000);
ALTER TABLE operation ADD COLUMN time_limit_seconds bigint;
CREATE INDEX operation_node_state ON operation (node, state);
