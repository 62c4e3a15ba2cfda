-- A forwarded port belongs to a node's host, not to the cluster: two nodes may each forward tcp/8022 to a VE of
-- their own. The node is the VE's (a forward goes with its VE); the key names node, protocol and port.
ALTER TABLE port_forward ADD COLUMN node_id uuid;
UPDATE port_forward SET node_id = (SELECT v.node_id FROM ve v WHERE v.id = port_forward.ve_id);
DELETE FROM port_forward WHERE node_id IS NULL;
ALTER TABLE port_forward ALTER COLUMN node_id SET NOT NULL;
ALTER TABLE port_forward DROP CONSTRAINT port_forward_host;
ALTER TABLE port_forward ALTER COLUMN id SET DATA TYPE varchar(64);
UPDATE port_forward SET id = CAST(node_id AS varchar(36)) || '/' || id;
ALTER TABLE port_forward ADD CONSTRAINT port_forward_host UNIQUE (node_id, protocol, host_port);
