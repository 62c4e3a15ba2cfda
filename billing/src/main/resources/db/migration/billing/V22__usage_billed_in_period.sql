-- A period's usage may be invoiced in parts (an administrator invoicing a customer now, mid-period): what was
-- invoiced of the period so far, so that the next part is priced on top of it (tiers and included units count
-- once per period, not once per invoice).
ALTER TABLE billing_usage_mark ADD COLUMN period_start timestamp(6) with time zone;
ALTER TABLE billing_usage_mark ADD COLUMN period_quantity numeric(30, 9) DEFAULT 0 NOT NULL;
