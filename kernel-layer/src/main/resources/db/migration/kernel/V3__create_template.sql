-- Template versions. The pool holds each READY version as a read-only subvolume named "<name>@<version>".
CREATE TABLE template (
    id varchar(80) PRIMARY KEY,
    name varchar(64) NOT NULL,
    version integer NOT NULL,
    source varchar(20) NOT NULL,
    state varchar(20) NOT NULL,
    description varchar(500),
    origin varchar(1000),
    os_name varchar(200),
    init varchar(200) NOT NULL,
    size_bytes bigint,
    retired boolean NOT NULL,
    error varchar(2000),
    node_id uuid NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL,
    CONSTRAINT template_name_version UNIQUE (name, version)
);

-- Which version of its template a VE was made from (VEs made before versions existed: 1).
ALTER TABLE ve ADD COLUMN template_version integer DEFAULT 1 NOT NULL;
