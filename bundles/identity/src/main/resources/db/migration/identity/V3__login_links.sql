-- One-time login links (single sign-on from an external billing system): stored hashed, valid for seconds, used once.
CREATE TABLE login_link (
    token_hash varchar(64) PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES account (id),
    created_by varchar(200) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    expires_at timestamp(6) with time zone NOT NULL,
    used_at timestamp(6) with time zone
);
CREATE INDEX login_link_account ON login_link (account_id);
