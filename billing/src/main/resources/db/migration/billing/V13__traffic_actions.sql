-- What billing did to a VE that used up its plan's monthly traffic allowance (THROTTLE or SUSPEND), for which period,
-- and what to restore when the period is over (lifted_at then).
CREATE TABLE billing_traffic_action (
    id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL,
    ve_id integer NOT NULL,
    tenant_id uuid NOT NULL,
    action varchar(20) NOT NULL,
    period_start timestamp(6) with time zone NOT NULL,
    period_end timestamp(6) with time zone NOT NULL,
    previous_in_bps bigint,
    previous_out_bps bigint,
    taken_at timestamp(6) with time zone NOT NULL,
    lifted_at timestamp(6) with time zone
);

CREATE INDEX billing_traffic_action_subscription ON billing_traffic_action (subscription_id, period_start);
CREATE INDEX billing_traffic_action_open ON billing_traffic_action (lifted_at);
