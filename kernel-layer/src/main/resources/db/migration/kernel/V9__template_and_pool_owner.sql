-- Private templates and tenant-owned IP pools: the tenant they belong to; NULL for the provider's shared ones.
ALTER TABLE template ADD COLUMN owner varchar(64);
ALTER TABLE ip_pool ADD COLUMN owner varchar(64);
