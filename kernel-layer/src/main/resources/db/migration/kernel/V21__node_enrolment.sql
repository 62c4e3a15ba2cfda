-- vessel: expand
-- One-time enrolment tokens: the provider admits a new server (or readmits one it shut out) with a token valid for
-- an hour; `bin/vessel node join` on that server spends it for the node's channel certificate. Only the token's
-- SHA-256 is kept. An enrolment that names a node admits that node only (readmission); one that names none admits a
-- node the installation does not know yet.
CREATE TABLE node_enrolment (
    id uuid PRIMARY KEY,
    token_sha256 varchar(64) NOT NULL UNIQUE,
    node_id uuid,
    created_by varchar(200) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    expires_at timestamp(6) with time zone NOT NULL,
    withdrawn_at timestamp(6) with time zone,
    used_at timestamp(6) with time zone,
    used_by_node uuid,
    used_from varchar(100),
    serial varchar(40)
);
