-- The tenant an operation belongs to (that of its target); NULL for the provider's own.
ALTER TABLE operation ADD COLUMN owner varchar(64);
CREATE INDEX operation_owner ON operation (owner, created_at);
