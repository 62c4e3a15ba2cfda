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
-- Customers order for themselves: which plans they may order, and whether a customer's first order waits for the
-- seller's approval (trials and instant VEs attract abuse).
ALTER TABLE billing_plan ADD COLUMN orderable boolean DEFAULT true NOT NULL;
ALTER TABLE billing_plan ADD COLUMN first_order_approval boolean DEFAULT false NOT NULL;
CREATE TABLE billing_order (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    seller_tenant uuid NOT NULL,
    plan_id uuid NOT NULL,
    plan_version integer NOT NULL,
    template varchar(200) NOT NULL,
    hostname varchar(253),
    state varchar(20) NOT NULL,
    reason varchar(1000),
    placed_by varchar(200) NOT NULL,
    placed_at timestamp(6) with time zone NOT NULL,
    decided_by varchar(200),
    decided_at timestamp(6) with time zone,
    subscription_id uuid
);
CREATE INDEX billing_order_tenant ON billing_order (tenant_id);
CREATE INDEX billing_order_seller ON billing_order (seller_tenant, state);
-- Dunning paused for an account by its seller until then: no further step is taken meanwhile.
ALTER TABLE billing_account ADD COLUMN dunning_paused_until timestamp(6) with time zone;
