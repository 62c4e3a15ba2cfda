-- One counter, raised after every change to accounts, sessions, tokens and 2FA: every panel process on the database
-- watches it and looks cached credentials up again when it moved (a logout or revocation on one panel reaches all).
CREATE TABLE credential_generation (
    id integer PRIMARY KEY,
    generation bigint NOT NULL
);
INSERT INTO credential_generation (id, generation) VALUES (1, 0);
