-- Plans and their immutable versions. A plan belongs to the tenant that sells it (the provider, or a reseller);
-- its code is unique per seller. A version's definition (prices, quotas, meter charges) is JSON with amounts as
-- decimal strings, written once and never updated: editing a plan inserts the next version.
CREATE TABLE billing_plan (
    id uuid PRIMARY KEY,
    owner_tenant uuid NOT NULL,
    code varchar(64) NOT NULL,
    latest_version integer NOT NULL,
    retired_at timestamp(6) with time zone,
    created_at timestamp(6) with time zone NOT NULL,
    CONSTRAINT billing_plan_code UNIQUE (owner_tenant, code)
);

CREATE TABLE billing_plan_version (
    id uuid PRIMARY KEY,
    plan_id uuid NOT NULL REFERENCES billing_plan (id),
    version integer NOT NULL,
    definition text NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    created_by varchar(200),
    CONSTRAINT billing_plan_version_number UNIQUE (plan_id, version)
);
