-- Taxes. A seller (the provider, a reseller) says where it is established, its tax id, and whether its prices
-- include tax; its rates are per customer country (and region, where they differ). A document's tax is computed on
-- its total per rate (EN 16931), and kept on the document with the rate and any note (reverse charge).
CREATE TABLE billing_seller (
    tenant_id uuid PRIMARY KEY,
    country varchar(2),
    tax_id varchar(64),
    prices_include_tax boolean NOT NULL
);

CREATE TABLE billing_tax_rate (
    id uuid PRIMARY KEY,
    seller_tenant uuid NOT NULL,
    country varchar(2) NOT NULL,
    region varchar(64),
    rate numeric(7, 4) NOT NULL,
    name varchar(100) NOT NULL
);

CREATE INDEX billing_tax_rate_seller ON billing_tax_rate (seller_tenant, country);

ALTER TABLE billing_invoice ADD COLUMN subtotal numeric(19, 6);
ALTER TABLE billing_invoice ADD COLUMN tax_rate numeric(7, 4);
ALTER TABLE billing_invoice ADD COLUMN tax numeric(19, 6);
ALTER TABLE billing_invoice ADD COLUMN tax_name varchar(100);
ALTER TABLE billing_invoice ADD COLUMN tax_note varchar(500);
