-- Each billing run, asked for (a tracked operation) or scheduled: who asked, over whose customers, how far it came
-- and what it made; the documents it issued name it.
CREATE TABLE billing_run (
    id uuid PRIMARY KEY,
    owner_tenant uuid,
    operation_id uuid,
    requested_by varchar(200) NOT NULL,
    state varchar(20) NOT NULL,
    started_at timestamp(6) with time zone NOT NULL,
    finished_at timestamp(6) with time zone,
    accounts integer DEFAULT 0 NOT NULL,
    accounts_done integer DEFAULT 0 NOT NULL,
    documents integer DEFAULT 0 NOT NULL,
    failed_accounts varchar(4000)
);

CREATE INDEX billing_run_started ON billing_run (started_at);

ALTER TABLE billing_invoice ADD COLUMN run_id uuid;
CREATE INDEX billing_invoice_run ON billing_invoice (run_id);
