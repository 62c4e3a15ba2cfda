-- Owners and their pets: enough to prove a lazy many-to-one survives the trip through Hibernate.
CREATE TABLE rt_owner (
    id uuid PRIMARY KEY,
    name varchar(100) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL
);

CREATE TABLE rt_pet (
    id bigint PRIMARY KEY,
    name varchar(100) NOT NULL,
    owner_id uuid NOT NULL REFERENCES rt_owner (id)
);
