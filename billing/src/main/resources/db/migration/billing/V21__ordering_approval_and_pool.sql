-- The provider may require that the first order of each of a reseller's customers waits for the reseller's
-- approval, whatever its plans say (a reseller whose sign-ups attract abuse).
ALTER TABLE billing_reseller_terms ADD COLUMN first_order_approval boolean DEFAULT false NOT NULL;
-- The address pool a VE ordered in the portal on the plan gets its first address from (the seller's; null: the
-- seller's first pool with a free address, or none when it has no pool).
ALTER TABLE billing_plan ADD COLUMN order_ip_pool varchar(100);
