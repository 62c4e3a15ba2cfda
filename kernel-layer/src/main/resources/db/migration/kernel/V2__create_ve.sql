-- Virtual environments. Limits are columns (not JSON) so reports and billing can query them.
CREATE TABLE ve (
    id integer PRIMARY KEY,
    name varchar(100) NOT NULL,
    hostname varchar(253) NOT NULL,
    template varchar(100) NOT NULL,
    owner varchar(100),
    node_id uuid NOT NULL,
    state varchar(20) NOT NULL,
    state_reason varchar(500),
    privileged boolean NOT NULL,
    cpu_weight integer NOT NULL,
    cpus numeric(6, 2),
    memory_bytes bigint NOT NULL,
    swap_bytes bigint NOT NULL,
    processes integer NOT NULL,
    disk_bytes bigint NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL
);

CREATE INDEX ve_owner ON ve (owner);
