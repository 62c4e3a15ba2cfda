-- Payments received for an account (bank transfer, cash, ... recorded by an administrator; gateways later) and how
-- each was applied: to invoices (oldest open first, or the one named), the rest to the account's balance.
CREATE TABLE billing_payment (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES billing_account (tenant_id),
    amount numeric(19, 6) NOT NULL,
    currency varchar(3) NOT NULL,
    method varchar(20) NOT NULL,
    reference varchar(200),
    to_balance numeric(19, 6) NOT NULL,
    received_at timestamp(6) with time zone NOT NULL,
    recorded_by varchar(200)
);

CREATE INDEX billing_payment_tenant ON billing_payment (tenant_id, received_at);

CREATE TABLE billing_payment_allocation (
    id uuid PRIMARY KEY,
    payment_id uuid REFERENCES billing_payment (id),
    invoice_id uuid NOT NULL REFERENCES billing_invoice (id),
    amount numeric(19, 6) NOT NULL,
    source varchar(20) NOT NULL,
    applied_at timestamp(6) with time zone NOT NULL
);

CREATE INDEX billing_payment_allocation_invoice ON billing_payment_allocation (invoice_id);
