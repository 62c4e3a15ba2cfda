-- One row per server that runs VEs; the single-machine panel has exactly one.
CREATE TABLE node (
    id uuid PRIMARY KEY,
    hostname varchar(253) NOT NULL,
    first_seen_at timestamp(6) with time zone NOT NULL,
    last_started_at timestamp(6) with time zone NOT NULL,
    start_count bigint NOT NULL
);
