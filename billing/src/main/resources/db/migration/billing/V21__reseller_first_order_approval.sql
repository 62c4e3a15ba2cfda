-- The provider may require that the first order of each of a reseller's customers waits for the reseller's
-- approval, whatever its plans say (a reseller whose sign-ups attract abuse).
ALTER TABLE billing_reseller_terms ADD COLUMN first_order_approval boolean DEFAULT false NOT NULL;
