-- Payments through a gateway plugin: each attempt (PENDING until the gateway's webhook says otherwise), the gateway
-- events processed (each once, however often delivered), and money given back (refunds and chargebacks).
CREATE TABLE billing_gateway_payment (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES billing_account (tenant_id),
    gateway varchar(64) NOT NULL,
    reference varchar(200),
    invoice_id uuid REFERENCES billing_invoice (id),
    amount numeric(19, 6) NOT NULL,
    currency varchar(3) NOT NULL,
    state varchar(20) NOT NULL,
    message varchar(500),
    payment_id uuid REFERENCES billing_payment (id),
    created_at timestamp(6) with time zone NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL
);

CREATE UNIQUE INDEX billing_gateway_payment_reference ON billing_gateway_payment (gateway, reference);
CREATE INDEX billing_gateway_payment_tenant ON billing_gateway_payment (tenant_id, created_at);

CREATE TABLE billing_gateway_event (
    gateway varchar(64) NOT NULL,
    event_id varchar(200) NOT NULL,
    kind varchar(30) NOT NULL,
    received_at timestamp(6) with time zone NOT NULL,
    PRIMARY KEY (gateway, event_id)
);

CREATE TABLE billing_refund (
    id uuid PRIMARY KEY,
    payment_id uuid NOT NULL REFERENCES billing_payment (id),
    tenant_id uuid NOT NULL REFERENCES billing_account (tenant_id),
    amount numeric(19, 6) NOT NULL,
    currency varchar(3) NOT NULL,
    kind varchar(20) NOT NULL,
    state varchar(20) NOT NULL,
    reason varchar(500),
    gateway_reference varchar(200),
    created_at timestamp(6) with time zone NOT NULL,
    recorded_by varchar(200)
);

CREATE INDEX billing_refund_payment ON billing_refund (payment_id);

ALTER TABLE billing_payment ADD COLUMN refunded numeric(19, 6) DEFAULT 0 NOT NULL;
