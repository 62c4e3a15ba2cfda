package io.vessel.kernel.internal;

import io.vessel.kernel.api.SshKey;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "ve_ssh_key")
public class SshKeyEntity {

    /** VE id and key id, so one key can be on several VEs. */
    @Id
    @Column(length = 80)
    private String id;
    @Column(name = "ve_id", nullable = false)
    private int veId;
    @Column(name = "key_type", nullable = false, length = 60)
    private String type;
    @Column(name = "public_key", nullable = false, length = 16000)
    private String publicKey;
    @Column(nullable = false, length = 100)
    private String fingerprint;
    @Column(length = 200)
    private String comment;
    @Column(name = "added_at", nullable = false)
    private Instant addedAt;

    protected SshKeyEntity() {
    }

    SshKeyEntity(int veId, SshKeys.Parsed key, Instant now) {
        this.id = veId + "/" + key.id();
        this.veId = veId;
        this.type = key.type();
        this.publicKey = key.line();
        this.fingerprint = key.fingerprint();
        this.comment = key.comment();
        this.addedAt = now;
    }

    String publicKey() {
        return publicKey;
    }

    SshKey toKey() {
        return new SshKey(id.substring(id.indexOf('/') + 1), type, fingerprint, comment, addedAt);
    }
}
