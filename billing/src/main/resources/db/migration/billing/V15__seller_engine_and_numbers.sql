-- Per seller (the provider, each reseller): the tax engine plugin that taxes its documents instead of its own rates
-- (null: its rates), and the formats of its invoice and credit-note numbers (null: the panel's configured ones).
ALTER TABLE billing_seller ADD COLUMN tax_engine varchar(64);
ALTER TABLE billing_seller ADD COLUMN invoice_number_format varchar(100);
ALTER TABLE billing_seller ADD COLUMN credit_note_number_format varchar(100);
