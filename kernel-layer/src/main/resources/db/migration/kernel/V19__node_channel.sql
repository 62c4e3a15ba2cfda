-- The node channel: mutually authenticated TLS between nodes, with certificates from the provider's own CA.
-- The CA's certificate is here for every node to trust; its key stays in the data directory of the node that made
-- it (the holder), which alone signs.
CREATE TABLE node_ca (
    id smallint PRIMARY KEY CHECK (id = 1),
    certificate varchar(4000) NOT NULL,
    holder uuid NOT NULL,
    created_at timestamp(6) with time zone NOT NULL
);

-- Every certificate the CA issued to a node; a revoked one is refused by every node at once.
CREATE TABLE node_certificate (
    serial varchar(40) PRIMARY KEY,
    node_id uuid NOT NULL,
    certificate varchar(4000) NOT NULL,
    issued_at timestamp(6) with time zone NOT NULL,
    not_after timestamp(6) with time zone NOT NULL,
    revoked_at timestamp(6) with time zone
);
CREATE INDEX node_certificate_node ON node_certificate (node_id);

-- Where a node's channel listens (https://host:port), and since when the provider has shut the node out of it
-- (no new certificate is issued to it until it is admitted again).
ALTER TABLE node ADD COLUMN channel_url varchar(300);
ALTER TABLE node ADD COLUMN channel_revoked_at timestamp(6) with time zone;
