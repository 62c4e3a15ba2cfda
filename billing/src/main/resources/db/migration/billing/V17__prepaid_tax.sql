-- How a seller taxes prepaid credit: AT_USE (the invoices the credit pays carry the tax; the default) or AT_TOP_UP
-- (a top-up is documented at once by a prepayment invoice carrying its tax; the invoices it pays later state how much
-- of their tax was invoiced that way already).
ALTER TABLE billing_seller ADD COLUMN prepaid_tax varchar(20) DEFAULT 'AT_USE' NOT NULL;
-- A prepayment invoice (kind PREPAYMENT): the payment it documents, and what of it (with its share of tax) is still
-- on the balance, unused.
ALTER TABLE billing_invoice ADD COLUMN payment_id uuid;
ALTER TABLE billing_invoice ADD COLUMN prepaid_left numeric(19, 6);
ALTER TABLE billing_invoice ADD COLUMN prepaid_tax_left numeric(19, 6);
-- A balance allocation drawn from a prepayment invoice: which one, and the tax of the amount already invoiced there.
ALTER TABLE billing_payment_allocation ADD COLUMN prepayment_id uuid;
ALTER TABLE billing_payment_allocation ADD COLUMN prepaid_tax numeric(19, 6) DEFAULT 0 NOT NULL;
