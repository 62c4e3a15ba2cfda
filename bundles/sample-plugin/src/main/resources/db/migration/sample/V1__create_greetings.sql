CREATE TABLE sample_guest (
    id uuid PRIMARY KEY,
    name varchar(100) NOT NULL
);

CREATE TABLE sample_greeting (
    id uuid PRIMARY KEY,
    message varchar(500) NOT NULL,
    guest_id uuid NOT NULL REFERENCES sample_guest (id),
    created_at timestamp(6) with time zone NOT NULL
);
