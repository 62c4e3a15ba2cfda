-- IP pools and the addresses VEs hold. The address is the primary key: no address is ever held twice.
CREATE TABLE ip_pool (
    name varchar(64) PRIMARY KEY,
    cidr varchar(50) NOT NULL,
    gateway varchar(45) NOT NULL,
    mode varchar(20) NOT NULL,
    excluded varchar(4000) NOT NULL,
    dns varchar(500) NOT NULL,
    node_id uuid NOT NULL,
    created_at timestamp(6) with time zone NOT NULL
);

CREATE TABLE ip_address (
    address varchar(45) PRIMARY KEY,
    pool varchar(64) NOT NULL REFERENCES ip_pool (name),
    ve_id integer NOT NULL,
    allocated_at timestamp(6) with time zone NOT NULL
);

CREATE INDEX ip_address_ve ON ip_address (ve_id);
CREATE INDEX ip_address_pool ON ip_address (pool);
