-- vessel: expand
-- Which Vessel each node runs, and the newest node-channel protocol it speaks: during a rolling upgrade the provider
-- sees which nodes are upgraded, and a node tells a peer too old for what it asks with a clear message.
ALTER TABLE node ADD COLUMN vessel_version varchar(60);
ALTER TABLE node ADD COLUMN channel_protocol integer;
