-- vessel: expand
-- The nodes an IP pool's network reaches (comma-separated node ids; null: every node). A bridged pool is a LAN that
-- only some servers are cabled to: placement, migration and address assignment keep its VEs on those.
ALTER TABLE ip_pool ADD COLUMN nodes varchar(4000);
