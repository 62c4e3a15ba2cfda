package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The one row counting credential changes across panel processes (see {@link CredentialChanges}). */
@Entity
@Table(name = "credential_generation")
public class CredentialGenerationEntity {

    static final int ID = 1;

    @Id
    private int id;

    @Column(nullable = false)
    private long generation;

    protected CredentialGenerationEntity() {
    }

    long generation() {
        return generation;
    }
}
