-- Which node runs an open operation, and until when its lease holds: the runner renews it while the operation is
-- open; an operation whose lease ran out lost its runner (a crash) and is failed as interrupted. Another node's
-- live operations are left alone when a panel process starts.
ALTER TABLE operation ADD COLUMN runner varchar(64);
ALTER TABLE operation ADD COLUMN lease_until timestamp(6) with time zone;
CREATE INDEX operation_state ON operation (state);
