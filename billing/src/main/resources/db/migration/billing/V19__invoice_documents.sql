-- What an issuer prints on its documents: legal name, postal address, contact e-mail, logo (PNG or JPEG), payment
-- terms and footer (its tax id and country are its tax settings).
ALTER TABLE billing_seller ADD COLUMN legal_name varchar(200);
ALTER TABLE billing_seller ADD COLUMN address varchar(1000);
ALTER TABLE billing_seller ADD COLUMN email varchar(200);
ALTER TABLE billing_seller ADD COLUMN logo bytea;
ALTER TABLE billing_seller ADD COLUMN logo_type varchar(40);
ALTER TABLE billing_seller ADD COLUMN payment_terms varchar(1000);
ALTER TABLE billing_seller ADD COLUMN footer varchar(1000);
-- A customer's legal name and postal address as its documents show them (absent: the tenant's name).
ALTER TABLE billing_account ADD COLUMN legal_name varchar(200);
ALTER TABLE billing_account ADD COLUMN address varchar(1000);
-- The PDF of each issued document, exactly as first rendered (PDF/A-3 with its Factur-X XML): served unchanged
-- ever after, so that a library or font upgrade never changes an issued invoice; the digest proves it.
CREATE TABLE billing_document (
    invoice_id uuid PRIMARY KEY,
    media_type varchar(100) NOT NULL,
    content bytea NOT NULL,
    sha256 varchar(64) NOT NULL,
    rendered_at timestamp(6) with time zone NOT NULL,
    renderer varchar(200) NOT NULL
);
-- When the customer was told of a document (by notification, with its PDF); documents issued before this version
-- count as told, so an upgrade sends no mail about old invoices.
ALTER TABLE billing_invoice ADD COLUMN announced_at timestamp(6) with time zone;
UPDATE billing_invoice SET announced_at = issued_at;
