-- A seller's (a reseller's) own credentials at a payment gateway, sealed (SecretSealer): its customers then pay into
-- its own account. A payment and the gateway events about it belong to the credentials they were made with
-- ('' the plugin's settings, else the seller's tenant id): a seller's webhook never touches another seller's payments.
CREATE TABLE billing_gateway_credentials (
    seller_tenant uuid NOT NULL,
    gateway varchar(64) NOT NULL,
    sealed varchar(8000) NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL,
    updated_by varchar(200),
    PRIMARY KEY (seller_tenant, gateway)
);

ALTER TABLE billing_gateway_payment ADD COLUMN credentials_of varchar(64) DEFAULT '' NOT NULL;
DROP INDEX billing_gateway_payment_reference;
CREATE UNIQUE INDEX billing_gateway_payment_reference ON billing_gateway_payment (gateway, credentials_of, reference);
