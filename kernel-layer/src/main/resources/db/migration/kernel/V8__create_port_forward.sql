-- Ports of the host forwarded to VEs on NAT pools. One host port per protocol goes to one VE.
CREATE TABLE port_forward (
    id varchar(12) PRIMARY KEY,
    protocol varchar(3) NOT NULL,
    host_port integer NOT NULL,
    ve_id integer NOT NULL,
    address varchar(45) NOT NULL,
    port integer NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    CONSTRAINT port_forward_host UNIQUE (protocol, host_port)
);

CREATE INDEX port_forward_ve ON port_forward (ve_id);
