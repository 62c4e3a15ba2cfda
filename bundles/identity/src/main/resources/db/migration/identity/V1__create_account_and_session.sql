-- Accounts of people and scripts that use the panel. Passwords are Argon2id hashes in PHC string format.
CREATE TABLE account (
    id uuid PRIMARY KEY,
    username varchar(64) NOT NULL,
    email varchar(254),
    password_hash varchar(200) NOT NULL,
    role varchar(30) NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    last_login_at timestamp(6) with time zone,
    CONSTRAINT account_username UNIQUE (username)
);

-- Browser sessions; only the SHA-256 of the cookie's token is kept.
CREATE TABLE login_session (
    token_hash varchar(64) PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES account (id),
    created_at timestamp(6) with time zone NOT NULL,
    expires_at timestamp(6) with time zone NOT NULL,
    source_ip varchar(45)
);

CREATE INDEX login_session_account ON login_session (account_id);
