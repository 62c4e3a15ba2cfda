-- What the provider sets for each reseller: how the reseller is billed wholesale (ALLOCATION: the plans it subscribes
-- to itself; USAGE: the metered usage of every VE of its customers at those plans' prices) and how far it may sell
-- beyond its allocation (per resource, e.g. {"memoryMiB":"2.0"}; 1.0 when not named).
CREATE TABLE billing_reseller_terms (
    tenant_id uuid PRIMARY KEY,
    wholesale varchar(20) NOT NULL,
    oversell varchar(2000) NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL
);

-- How far a subscription that bills many VEs (a reseller's wholesale usage) is billed, per VE and meter.
CREATE TABLE billing_usage_mark_ve (
    subscription_id uuid NOT NULL,
    meter varchar(64) NOT NULL,
    ve_id integer NOT NULL,
    sample_at timestamp(6) with time zone NOT NULL,
    counter numeric(30, 0) NOT NULL,
    PRIMARY KEY (subscription_id, meter, ve_id)
);
