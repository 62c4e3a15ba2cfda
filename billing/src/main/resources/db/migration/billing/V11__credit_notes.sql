-- A credit note issued on demand names the invoice it credits (the run's credit notes, from plan changes, name none).
ALTER TABLE billing_invoice ADD COLUMN credits_invoice uuid;
CREATE INDEX billing_invoice_credits ON billing_invoice (credits_invoice);
