-- Usage events of plugin meters (each once per meter and key), and what each complete period of a subscription was
-- rated at per plugin meter (so usage arriving late for a rated period is billed as the difference: a correction).
CREATE TABLE billing_usage_event (
    id uuid PRIMARY KEY,
    meter varchar(64) NOT NULL,
    event_key varchar(200) NOT NULL,
    tenant_id uuid NOT NULL,
    ve_id integer,
    at timestamp(6) with time zone NOT NULL,
    quantity numeric(30, 9),
    unique_value varchar(200),
    received_at timestamp(6) with time zone NOT NULL
);

CREATE UNIQUE INDEX billing_usage_event_key ON billing_usage_event (meter, event_key);
CREATE INDEX billing_usage_event_tenant ON billing_usage_event (tenant_id, meter, at);

CREATE TABLE billing_meter_period (
    subscription_id uuid NOT NULL,
    meter varchar(64) NOT NULL,
    period_start timestamp(6) with time zone NOT NULL,
    period_end timestamp(6) with time zone NOT NULL,
    quantity numeric(30, 9) NOT NULL,
    amount numeric(19, 6) NOT NULL,
    rated_at timestamp(6) with time zone NOT NULL,
    PRIMARY KEY (subscription_id, meter, period_start)
);
