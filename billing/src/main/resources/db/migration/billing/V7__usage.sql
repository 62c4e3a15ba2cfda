-- Usage: a subscription may be for one VE, whose metered usage its plan charges; per subscription and meter, the
-- stored sample (time and exact lifetime counter) usage has been billed up to, so a re-run or a restart never counts
-- anything twice and never loses any (the kernel's lifetime counters never go backwards).
ALTER TABLE billing_subscription ADD COLUMN ve_id integer;

CREATE TABLE billing_usage_mark (
    subscription_id uuid NOT NULL REFERENCES billing_subscription (id),
    meter varchar(64) NOT NULL,
    sample_at timestamp(6) with time zone NOT NULL,
    counter numeric(30, 0) NOT NULL,
    PRIMARY KEY (subscription_id, meter)
);
