CREATE TABLE operation (
    id uuid PRIMARY KEY,
    kind varchar(100) NOT NULL,
    target varchar(200) NOT NULL,
    state varchar(20) NOT NULL,
    progress integer NOT NULL,
    message varchar(500),
    result varchar(500),
    error varchar(2000),
    created_at timestamp(6) with time zone NOT NULL,
    started_at timestamp(6) with time zone,
    finished_at timestamp(6) with time zone
);

CREATE INDEX operation_created_at ON operation (created_at);
