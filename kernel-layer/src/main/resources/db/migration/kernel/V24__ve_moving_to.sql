-- vessel: expand
-- The node a VE is being moved to, while its files travel (null otherwise): that node may then read the VE's record
-- (a node agent's database role sees only its own VEs and those on their way to it) and takes the VE over itself,
-- in the one update that is the move's commit point.
ALTER TABLE ve ADD COLUMN moving_to uuid;
