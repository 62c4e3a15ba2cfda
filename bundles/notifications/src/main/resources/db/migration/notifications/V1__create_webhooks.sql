-- A tenant's webhook endpoints (tenant_id null: the provider's own) and the deliveries made to them, kept so that
-- retries survive a restart and the tenant can see what was sent and how it was answered.
CREATE TABLE webhook (
    id uuid PRIMARY KEY,
    tenant_id uuid,
    url varchar(2000) NOT NULL,
    events varchar(1000) NOT NULL,
    description varchar(200),
    secret varchar(100) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL
);

CREATE INDEX webhook_tenant ON webhook (tenant_id);

CREATE TABLE webhook_delivery (
    id uuid PRIMARY KEY,
    webhook_id uuid NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    event varchar(200) NOT NULL,
    body text NOT NULL,
    state varchar(20) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp(6) with time zone,
    last_status integer,
    last_error varchar(1000),
    created_at timestamp(6) with time zone NOT NULL,
    delivered_at timestamp(6) with time zone
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (state, next_attempt_at);
CREATE INDEX webhook_delivery_webhook ON webhook_delivery (webhook_id, created_at);
