-- Plans whose suspended subscriptions do not accrue: up to where the suspended time of a subscription paid in advance
-- has been credited (so each suspended second is credited once).
ALTER TABLE billing_subscription ADD COLUMN suspension_credited_until timestamp(6) with time zone;

-- Alerts at 80 % and 100 % of a plan's included usage (and of the traffic allowance), each sent once per
-- subscription, meter and period.
CREATE TABLE billing_usage_alert (
    subscription_id uuid NOT NULL,
    meter varchar(100) NOT NULL,
    period_start timestamp(6) with time zone NOT NULL,
    level integer NOT NULL,
    tenant_id uuid NOT NULL,
    used numeric(30, 9) NOT NULL,
    included numeric(30, 9) NOT NULL,
    sent_at timestamp(6) with time zone NOT NULL,
    PRIMARY KEY (subscription_id, meter, period_start, level)
);
