-- Invoices and credit notes. A document is written whole in one transaction with its lines, its number and the
-- subscriptions' watermarks (what has been invoiced up to when), so a crash leaves either all of it or none: no
-- invoice without lines, no number skipped, nothing invoiced twice. Issued documents are never updated but for
-- what was paid of them.
CREATE TABLE billing_invoice (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES billing_account (tenant_id),
    issuer_tenant uuid NOT NULL,
    kind varchar(20) NOT NULL,
    number varchar(64) NOT NULL,
    series_year integer NOT NULL,
    sequence bigint NOT NULL,
    currency varchar(3) NOT NULL,
    total numeric(19, 6) NOT NULL,
    amount_paid numeric(19, 6) NOT NULL,
    issued_at timestamp(6) with time zone NOT NULL,
    due_at timestamp(6) with time zone NOT NULL,
    CONSTRAINT billing_invoice_number UNIQUE (issuer_tenant, kind, number)
);

CREATE INDEX billing_invoice_tenant ON billing_invoice (tenant_id, issued_at);

CREATE TABLE billing_invoice_line (
    id uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES billing_invoice (id),
    position integer NOT NULL,
    kind varchar(20) NOT NULL,
    description varchar(500) NOT NULL,
    subscription_id uuid,
    quantity numeric(24, 9) NOT NULL,
    unit_price numeric(19, 6) NOT NULL,
    amount numeric(19, 6) NOT NULL,
    period_from timestamp(6) with time zone,
    period_to timestamp(6) with time zone
);

CREATE INDEX billing_invoice_line_invoice ON billing_invoice_line (invoice_id, position);

-- The next number of each issuer's series (invoices, credit notes), per year when numbering restarts yearly
-- (year 0 otherwise); the row is locked while a document takes its number.
CREATE TABLE billing_number_series (
    issuer_tenant uuid NOT NULL,
    kind varchar(20) NOT NULL,
    series_year integer NOT NULL,
    next_value bigint NOT NULL,
    PRIMARY KEY (issuer_tenant, kind, series_year)
);

ALTER TABLE billing_subscription ADD COLUMN invoiced_until timestamp(6) with time zone;
ALTER TABLE billing_subscription ADD COLUMN setup_invoiced boolean NOT NULL DEFAULT false;
