-- Dunning: how far an account has gone through the steps (reminders, suspension, termination) since its oldest
-- overdue invoice fell due, and the VEs billing suspended or stopped, so that paying lifts exactly those.
ALTER TABLE billing_account ADD COLUMN dunning_step integer NOT NULL DEFAULT 0;
ALTER TABLE billing_account ADD COLUMN dunning_since timestamp(6) with time zone;

CREATE TABLE billing_suspension (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    ve_id integer NOT NULL,
    action varchar(20) NOT NULL,
    reason varchar(500) NOT NULL,
    at timestamp(6) with time zone NOT NULL,
    lifted_at timestamp(6) with time zone
);

CREATE INDEX billing_suspension_tenant ON billing_suspension (tenant_id, lifted_at);
