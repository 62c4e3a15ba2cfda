-- A customer's spending limit per period, what reaching it does (ALERT, or BLOCK new VEs), and the period for which
-- the 80 % and 100 % alerts were last sent (each once per period).
ALTER TABLE billing_account ADD COLUMN spending_limit numeric(19, 6);
ALTER TABLE billing_account ADD COLUMN limit_action varchar(20);
ALTER TABLE billing_account ADD COLUMN alerted_80 timestamp(6) with time zone;
ALTER TABLE billing_account ADD COLUMN alerted_100 timestamp(6) with time zone;
