-- A tenant's billing account (who invoices it, in which currency, on which anchor day and time zone, where it is
-- taxed) and its subscriptions to plan versions. The account's currency is fixed once anything was invoiced.
CREATE TABLE billing_account (
    tenant_id uuid PRIMARY KEY,
    seller_tenant uuid NOT NULL,
    currency varchar(3) NOT NULL,
    anchor_day integer NOT NULL,
    time_zone varchar(64) NOT NULL,
    country varchar(2),
    region varchar(64),
    tax_id varchar(64),
    balance numeric(19, 6) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL
);

CREATE TABLE billing_subscription (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES billing_account (tenant_id),
    plan_id uuid NOT NULL REFERENCES billing_plan (id),
    plan_version integer NOT NULL,
    state varchar(20) NOT NULL,
    started_at timestamp(6) with time zone NOT NULL,
    trial_ends_at timestamp(6) with time zone,
    cancel_at timestamp(6) with time zone,
    ended_at timestamp(6) with time zone,
    created_at timestamp(6) with time zone NOT NULL,
    created_by varchar(200)
);

CREATE INDEX billing_subscription_tenant ON billing_subscription (tenant_id);
