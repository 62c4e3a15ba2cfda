-- SSH public keys a VE's root accepts; the panel keeps them and writes /root/.ssh/authorized_keys inside the VE.
CREATE TABLE ve_ssh_key (
    id varchar(80) PRIMARY KEY,
    ve_id integer NOT NULL,
    key_type varchar(60) NOT NULL,
    public_key varchar(16000) NOT NULL,
    fingerprint varchar(100) NOT NULL,
    comment varchar(200),
    added_at timestamp(6) with time zone NOT NULL
);
CREATE INDEX ve_ssh_key_ve ON ve_ssh_key (ve_id);
