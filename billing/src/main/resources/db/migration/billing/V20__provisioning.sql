-- An external billing system (WHMCS, Blesta, HostBill…) invoices these accounts: Vessel meters their usage and
-- reports it, but issues no invoices of its own for them.
ALTER TABLE billing_account ADD COLUMN external_billing boolean DEFAULT false NOT NULL;
-- A service an external billing system ordered through /api/v1/provisioning: its id there (unique per seller, so
-- a retried create answers the same service), the customer, owner account, subscription and VE made for it, and
-- where it stands. The ids are filled step by step, so an interrupted create finishes when it is sent again.
CREATE TABLE billing_provisioned_service (
    id uuid PRIMARY KEY,
    seller_tenant uuid NOT NULL,
    external_id varchar(100) NOT NULL,
    client_id varchar(100),
    customer_name varchar(100) NOT NULL,
    email varchar(254),
    username varchar(64),
    plan_id uuid NOT NULL,
    template varchar(200) NOT NULL,
    hostname varchar(253),
    ip_pool varchar(100),
    tenant_id uuid,
    account_id uuid,
    tenant_made boolean DEFAULT false NOT NULL,
    subscription_id uuid,
    ve_id integer,
    operation_id uuid,
    state varchar(20) NOT NULL,
    error varchar(1000),
    suspend_reason varchar(500),
    resume_on_unsuspend boolean DEFAULT false NOT NULL,
    pending_password varchar(1024),
    created_by varchar(200) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL,
    CONSTRAINT billing_provisioned_service_external UNIQUE (seller_tenant, external_id)
);
CREATE INDEX billing_provisioned_service_client ON billing_provisioned_service (seller_tenant, client_id);
CREATE INDEX billing_provisioned_service_ve ON billing_provisioned_service (ve_id);
