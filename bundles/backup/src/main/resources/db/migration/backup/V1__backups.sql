-- One restic repository per tenant and target (tenant_id null: the provider's own VEs); its password sealed with
-- the backup master key (keys/backup-master.key), never in clear. busy_by/busy_until: the lease that serializes every
-- restic call on the repository across panel processes (restic 0.14 has no exit code for "locked", and a long
-- backup can outlive its own lock).
CREATE TABLE backup_repository (
    id uuid PRIMARY KEY,
    tenant_id uuid,
    target varchar(64) NOT NULL,
    location varchar(2000) NOT NULL,
    sealed_password varchar(400) NOT NULL,
    initialized boolean NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    busy_by uuid,
    busy_what varchar(200),
    busy_until timestamp(6) with time zone,
    stored_bytes bigint,
    stored_at timestamp(6) with time zone
);

CREATE UNIQUE INDEX backup_repository_tenant_target ON backup_repository (target, tenant_id);

-- A VE's backups as Vessel knows them (restic's snapshot ids once made): listing needs no restic call.
CREATE TABLE backup (
    id uuid PRIMARY KEY,
    ve_id integer NOT NULL,
    tenant_id uuid,
    repository_id uuid REFERENCES backup_repository (id),
    target varchar(64) NOT NULL,
    snapshot_id varchar(64),
    state varchar(20) NOT NULL,
    note varchar(500),
    made_by varchar(200),
    operation_id uuid,
    created_at timestamp(6) with time zone NOT NULL,
    started_at timestamp(6) with time zone,
    finished_at timestamp(6) with time zone,
    files bigint,
    bytes_total bigint,
    bytes_added bigint,
    duration_ms bigint,
    frozen_ms bigint,
    error varchar(2000)
);

CREATE INDEX backup_ve ON backup (ve_id, created_at);
CREATE INDEX backup_tenant ON backup (tenant_id);
